"""Queries of the history service."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Uuid, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.db import as_record, insert_missing, unnest
from movierec_common.pagination import page_total
from movierec_history.tables import watch_entry
from movierec_userdata.tables import known_movie


@dataclass(frozen=True)
class Entry:
    """One watch entry."""

    id: uuid.UUID
    user_id: uuid.UUID
    movie_id: int
    watched_at: datetime


@dataclass(frozen=True)
class ListedEntry:
    """A watch entry as the user's list shows it (with the movie's title when known)."""

    id: uuid.UUID
    movie_id: int
    title: str | None
    watched_at: datetime


async def insert_entry(session: AsyncSession, entry: Entry) -> None:
    await session.execute(
        insert(watch_entry).values(
            id=entry.id, user_id=entry.user_id, movie_id=entry.movie_id, watched_at=entry.watched_at
        )
    )


async def entries_for_update(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    entry_id: uuid.UUID | None = None,
    movie_id: int | None = None,
    limit: int | None = None,
) -> list[Entry]:
    """The user's entries (one, one movie's, or the first ``limit``), locked."""
    w = watch_entry.c
    query = select(w.id, w.user_id, w.movie_id, w.watched_at).where(w.user_id == user_id)
    if entry_id is not None:
        query = query.where(w.id == entry_id)
    if movie_id is not None:
        query = query.where(w.movie_id == movie_id)
    query = query.order_by(w.id).limit(limit).with_for_update()
    return [as_record(Entry, r) for r in await session.execute(query)]


async def delete_entries(session: AsyncSession, entry_ids: list[uuid.UUID]) -> None:
    ids = unnest(id=(Uuid(), entry_ids))
    await session.execute(delete(watch_entry).where(watch_entry.c.id.in_(select(ids.c.id))))


async def list_for_user(
    session: AsyncSession, *, user_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[ListedEntry], int]:
    """A page of the user's entries, newest first, and how many they have in all."""
    w, k = watch_entry.c, known_movie.c
    query = (
        select(w.id, w.movie_id, k.title, w.watched_at, func.count().over().label("total"))
        .select_from(watch_entry.outerjoin(known_movie, k.movie_id == w.movie_id))
        .where(w.user_id == user_id)
        .order_by(w.watched_at.desc(), w.id)
        .limit(limit)
        .offset(offset)
    )

    async def count() -> int:
        total = select(func.count()).select_from(watch_entry).where(w.user_id == user_id)
        return int((await session.execute(total)).scalar_one())

    rows, total = await page_total((await session.execute(query)).all(), offset, count)
    return [as_record(ListedEntry, r) for r in rows], total


async def insert_entries(session: AsyncSession, entries: list[Entry]) -> list[Entry]:
    """Insert the entries whose id is not taken yet; the ones inserted."""
    return await insert_missing(session, watch_entry, entries)
