"""Per-user serialisation and deleted users, for services that hold users' data.

Writes and the purge of a deleted user take the same per-user advisory lock, so a write
either lands before the purge (and is purged with the rest) or sees the tombstone the
consumer left for ``user.deleted`` and is refused.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.errors import UnauthorizedError


class AccountDeletedError(UnauthorizedError):
    def __init__(self) -> None:
        super().__init__("This account has been deleted.")


async def lock_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Serialise this transaction with every other write or purge of the same user."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": f"user:{user_id}"}
    )


async def is_deleted(session: AsyncSession, user_id: uuid.UUID) -> bool:
    row = await session.execute(
        text("SELECT 1 FROM tombstone WHERE kind = 'user' AND entity_id = :id"),
        {"id": str(user_id)},
    )
    return row.first() is not None


async def lock_active_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Lock the user and refuse the write if the account was deleted."""
    await lock_user(session, user_id)
    if await is_deleted(session, user_id):
        raise AccountDeletedError
