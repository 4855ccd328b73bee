"""Queries of the history service."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.pagination import page_total


async def insert(
    session: AsyncSession, entry_id: uuid.UUID, user_id: uuid.UUID, movie_id: int, at: datetime
) -> None:
    await session.execute(
        text("INSERT INTO watch_entry (id, user_id, movie_id, watched_at) VALUES (:i, :u, :m, :t)"),
        {"i": entry_id, "u": user_id, "m": movie_id, "t": at},
    )


async def entries_for_update(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    entry_id: uuid.UUID | None = None,
    movie_id: int | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The user's entries (one, one movie's, or the first ``limit``), locked."""
    conds, params = ["user_id = :u"], {"u": user_id}
    if entry_id is not None:
        conds.append("id = :i")
        params["i"] = entry_id
    if movie_id is not None:
        conds.append("movie_id = :m")
        params["m"] = movie_id
    sql = (
        f"SELECT id, movie_id, watched_at FROM watch_entry WHERE {' AND '.join(conds)} ORDER BY id"  # noqa: S608 - fixed fragments
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = await session.execute(text(sql + " FOR UPDATE"), params)
    return [dict(r) for r in rows.mappings()]


async def delete(session: AsyncSession, entry_ids: list[uuid.UUID]) -> None:
    await session.execute(text("DELETE FROM watch_entry WHERE id = ANY(:ids)"), {"ids": entry_ids})


async def list_for_user(
    session: AsyncSession, user_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    rows = [
        dict(r)
        for r in (
            await session.execute(
                text(
                    "SELECT w.id, w.movie_id, k.title, w.watched_at, count(*) OVER () AS total"
                    " FROM watch_entry w LEFT JOIN known_movie k ON k.movie_id = w.movie_id"
                    " WHERE w.user_id = :u ORDER BY w.watched_at DESC, w.id"
                    " LIMIT :limit OFFSET :offset"
                ),
                {"u": user_id, "limit": limit, "offset": offset},
            )
        ).mappings()
    ]

    async def count() -> int:
        sql = text("SELECT count(*) FROM watch_entry WHERE user_id = :u")
        return int((await session.execute(sql, {"u": user_id})).scalar_one())

    return await page_total(rows, offset, count)


async def insert_many_ignoring_existing(
    session: AsyncSession, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    if not rows:
        return []
    result = await session.execute(
        text(
            "INSERT INTO watch_entry (id, user_id, movie_id, watched_at)"
            " SELECT * FROM unnest(CAST(:i AS uuid[]), CAST(:u AS uuid[]), CAST(:m AS int[]),"
            " CAST(:t AS timestamptz[])) ON CONFLICT DO NOTHING"
            " RETURNING id, user_id, movie_id, watched_at"
        ),
        {
            "i": [r["id"] for r in rows],
            "u": [r["user_id"] for r in rows],
            "m": [r["movie_id"] for r in rows],
            "t": [r["watched_at"] for r in rows],
        },
    )
    return [dict(r) for r in result.mappings()]
