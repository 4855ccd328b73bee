"""Queries of the auth service (the only place that builds SQL)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_auth.tables import password_reset, refresh_token, user_account
from movierec_common.db import AnyRow


@dataclass(frozen=True)
class User:
    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    favorite_genres: list[str]
    password_hash: str
    role: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class RefreshToken:
    """One refresh token; a login starts a family, each refresh adds a token to it."""

    id: uuid.UUID
    token_hash: bytes
    user_id: uuid.UUID
    family_id: uuid.UUID
    created_at: datetime
    #: Absolute end of the family: refreshing never extends it.
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None


def _user(row: AnyRow | None) -> User | None:
    return User(**row._asdict()) if row is not None else None


async def get_user(session: AsyncSession, user_id: uuid.UUID, *, lock: bool = False) -> User | None:
    query = select(user_account).where(user_account.c.id == user_id)
    if lock:
        query = query.with_for_update()
    return _user((await session.execute(query)).first())


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    query = select(user_account).where(func.lower(user_account.c.email) == email.lower())
    return _user((await session.execute(query)).first())


async def insert_user(session: AsyncSession, user: User) -> None:
    """Raises IntegrityError when the id or the email (any case) is taken."""
    await session.execute(insert(user_account).values(**asdict(user)))


async def update_user(session: AsyncSession, user_id: uuid.UUID, **values: Any) -> User:
    changed = await session.execute(
        update(user_account)
        .where(user_account.c.id == user_id)
        .values(**values)
        .returning(user_account)
    )
    user = _user(changed.first())
    assert user is not None
    return user


async def insert_users_ignoring_existing(
    session: AsyncSession, users: list[User]
) -> list[uuid.UUID]:
    """Insert users; those whose id or email exists are skipped. Returns the inserted ids."""
    if not users:
        return []
    query = (
        pg_insert(user_account)
        .values([asdict(u) for u in users])
        .on_conflict_do_nothing()
        .returning(user_account.c.id)
    )
    return list((await session.execute(query)).scalars())


async def set_password_hash(
    session: AsyncSession, user_ids: list[uuid.UUID], password_hash: str
) -> int:
    """Give the (non-admin) users ``user_ids`` the password ``password_hash``; how many."""
    query = (
        update(user_account)
        .where(user_account.c.id.in_(user_ids), user_account.c.role == "user")
        .values(password_hash=password_hash, updated_at=func.now())
    )
    result = await session.execute(query)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def delete_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(delete(user_account).where(user_account.c.id == user_id))


async def insert_refresh_token(session: AsyncSession, token: RefreshToken) -> None:
    await session.execute(insert(refresh_token).values(**asdict(token)))


async def get_refresh_token(session: AsyncSession, token_hash: bytes) -> RefreshToken | None:
    query = select(refresh_token).where(refresh_token.c.token_hash == token_hash).with_for_update()
    row = (await session.execute(query)).first()
    return RefreshToken(**row._asdict()) if row is not None else None


async def mark_used(session: AsyncSession, token_id: uuid.UUID, at: datetime) -> None:
    await session.execute(
        update(refresh_token).where(refresh_token.c.id == token_id).values(used_at=at)
    )


async def revoke_family(session: AsyncSession, family_id: uuid.UUID, at: datetime) -> None:
    t = refresh_token.c
    await session.execute(
        update(refresh_token)
        .where(t.family_id == family_id, t.revoked_at.is_(None))
        .values(revoked_at=at)
    )


async def purge_refresh_tokens(session: AsyncSession, now: datetime) -> int:
    """Delete tokens past their absolute expiry. Returns how many."""
    deleted = await session.execute(
        delete(refresh_token).where(refresh_token.c.expires_at < now).returning(refresh_token.c.id)
    )
    return len(deleted.all())


async def insert_password_reset(
    session: AsyncSession, user_id: uuid.UUID, token_hash: bytes, expires_at: datetime
) -> None:
    await session.execute(
        insert(password_reset).values(user_id=user_id, token_hash=token_hash, expires_at=expires_at)
    )


async def use_password_reset(
    session: AsyncSession, token_hash: bytes, now: datetime
) -> uuid.UUID | None:
    """Spend an unused, unexpired reset token: its user, or None (used, expired, unknown).
    Every other reset of that user goes too (one new password per mail)."""
    spent = (
        await session.execute(
            update(password_reset)
            .where(
                password_reset.c.token_hash == token_hash,
                password_reset.c.used_at.is_(None),
                password_reset.c.expires_at > now,
            )
            .values(used_at=now)
            .returning(password_reset.c.user_id)
        )
    ).scalar_one_or_none()
    if spent is not None:
        await session.execute(
            delete(password_reset).where(
                password_reset.c.user_id == spent, password_reset.c.token_hash != token_hash
            )
        )
    return spent


async def purge_password_resets(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(password_reset).where(password_reset.c.expires_at <= now))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def revoke_user_tokens(session: AsyncSession, user_id: uuid.UUID, at: datetime) -> None:
    """Every refresh token of the user stops working (a new password ends every session)."""
    await session.execute(
        update(refresh_token)
        .where(refresh_token.c.user_id == user_id, refresh_token.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
