"""Queries of the history service."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Uuid, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.db import as_record, insert_missing, unnest
from movierec_history.tables import watch_entry
from movierec_userdata.known_movies import titled_page


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
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    limit: int,
    offset: int,
    movie_id: int | None = None,
) -> tuple[list[ListedEntry], int]:
    """A page of the user's entries (of one movie, given ``movie_id``), newest first, and
    how many there are in all."""
    order = (watch_entry.c.watched_at.desc(), watch_entry.c.id)
    return await titled_page(
        session,
        watch_entry,
        ListedEntry,
        user_id=user_id,
        order=order,
        limit=limit,
        offset=offset,
        movie_id=movie_id,
    )


async def insert_entries(session: AsyncSession, entries: list[Entry]) -> list[Entry]:
    """Insert the entries whose id is not taken yet; the ones inserted."""
    return await insert_missing(session, watch_entry, entries)
