"""Per-user serialisation of writes, and refusing the writes of deleted users.

Writes and the purge of a deleted user take the same per-user advisory lock, so a write
either lands before the purge (and is purged with the rest) or sees the tombstone the
consumer left for ``user.deleted`` and is refused.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Text, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.consumer import is_tombstoned
from movierec_common.errors import AccountDeletedError

# Built once: every write of a user's data runs it.
_LOCK = select(func.pg_advisory_xact_lock(func.hashtextextended(bindparam("key", type_=Text), 0)))


async def lock_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Serialise this transaction with every other write or purge of the same user."""
    await session.execute(_LOCK, {"key": f"user:{user_id}"})


async def lock_active_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Lock the user and refuse the write if the account was deleted."""
    await lock_user(session, user_id)
    if await is_tombstoned(session, "user", user_id):
        raise AccountDeletedError
