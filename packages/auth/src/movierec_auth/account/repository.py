"""Queries of the auth service (the only place that builds SQL)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_auth.models import RefreshToken, User


async def get_user(session: AsyncSession, user_id: uuid.UUID, *, lock: bool = False) -> User | None:
    stmt = select(User).where(User.id == user_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    stmt = select(User).where(func.lower(User.email) == email.lower())
    return (await session.execute(stmt)).scalar_one_or_none()


async def insert_users_ignoring_existing(
    session: AsyncSession, rows: list[dict]
) -> list[uuid.UUID]:
    """Insert users; rows whose id or email exists are skipped. Returns the inserted ids."""
    if not rows:
        return []
    stmt = pg_insert(User).values(rows).on_conflict_do_nothing().returning(User.id)
    return list((await session.execute(stmt)).scalars())


async def delete_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(delete(User).where(User.id == user_id))


async def get_refresh_token(session: AsyncSession, token_hash: bytes) -> RefreshToken | None:
    stmt = select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def revoke_family(session: AsyncSession, family_id: uuid.UUID, at: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )


async def purge_refresh_tokens(session: AsyncSession, now: datetime) -> int:
    """Delete tokens past their absolute expiry. Returns how many."""
    result = await session.execute(delete(RefreshToken).where(RefreshToken.expires_at < now))
    return result.rowcount or 0
