"""Queries of the ratings service."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.pagination import page_total
from movierec_ratings.rating.schemas import RatingSort

_ORDER = {
    RatingSort.date: "r.rated_at DESC, r.movie_id",
    RatingSort.score: "r.score DESC, r.rated_at DESC, r.movie_id",
}


async def get_for_update(
    session: AsyncSession, user_id: uuid.UUID, movie_id: int
) -> dict[str, Any] | None:
    row = await session.execute(
        text(
            "SELECT score::float AS score, rated_at FROM rating"
            " WHERE user_id = :u AND movie_id = :m FOR UPDATE"
        ),
        {"u": user_id, "m": movie_id},
    )
    found = row.mappings().first()
    return dict(found) if found else None


async def upsert(
    session: AsyncSession, user_id: uuid.UUID, movie_id: int, score: float, at: datetime
) -> None:
    await session.execute(
        text(
            "INSERT INTO rating (user_id, movie_id, score, rated_at) VALUES (:u, :m, :s, :t)"
            " ON CONFLICT (user_id, movie_id) DO UPDATE SET score = excluded.score,"
            " rated_at = excluded.rated_at"
        ),
        {"u": user_id, "m": movie_id, "s": score, "t": at},
    )


async def delete(session: AsyncSession, user_id: uuid.UUID, movie_id: int) -> None:
    await session.execute(
        text("DELETE FROM rating WHERE user_id = :u AND movie_id = :m"),
        {"u": user_id, "m": movie_id},
    )


async def list_for_user(
    session: AsyncSession, user_id: uuid.UUID, sort: RatingSort, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    sql = f"""
        SELECT r.movie_id, k.title, r.score::float AS score, r.rated_at, count(*) OVER () AS total
        FROM rating r LEFT JOIN known_movie k ON k.movie_id = r.movie_id
        WHERE r.user_id = :u
        ORDER BY {_ORDER[sort]}
        LIMIT :limit OFFSET :offset
    """  # noqa: S608 - the ORDER BY comes from a fixed table
    rows = [
        dict(r)
        for r in (
            await session.execute(text(sql), {"u": user_id, "limit": limit, "offset": offset})
        ).mappings()
    ]

    async def count() -> int:
        sql = text("SELECT count(*) FROM rating WHERE user_id = :u")
        return int((await session.execute(sql, {"u": user_id})).scalar_one())

    return await page_total(rows, offset, count)


async def movies_of_user(session: AsyncSession, user_id: uuid.UUID, limit: int) -> list[int]:
    rows = await session.execute(
        text("SELECT movie_id FROM rating WHERE user_id = :u ORDER BY movie_id LIMIT :n"),
        {"u": user_id, "n": limit},
    )
    return list(rows.scalars())


async def summary_for_update(session: AsyncSession, movie_id: int) -> dict[str, Any]:
    """The movie's summary row, created if missing, locked for this transaction."""
    await session.execute(
        text("INSERT INTO rating_summary (movie_id) VALUES (:m) ON CONFLICT DO NOTHING"),
        {"m": movie_id},
    )
    row = await session.execute(
        text(
            "SELECT count, total::float AS total, histogram FROM rating_summary"
            " WHERE movie_id = :m FOR UPDATE"
        ),
        {"m": movie_id},
    )
    return dict(row.mappings().one())


async def save_summary(
    session: AsyncSession, movie_id: int, count: int, total: float, histogram: list[int]
) -> None:
    await session.execute(
        text(
            "UPDATE rating_summary SET count = :c, total = :t, histogram = :h WHERE movie_id = :m"
        ),
        {"m": movie_id, "c": count, "t": total, "h": histogram},
    )


async def get_summary(session: AsyncSession, movie_id: int) -> dict[str, Any] | None:
    row = await session.execute(
        text(
            "SELECT count, total::float AS total, histogram FROM rating_summary WHERE movie_id = :m"
        ),
        {"m": movie_id},
    )
    found = row.mappings().first()
    return dict(found) if found else None


async def insert_many_ignoring_existing(
    session: AsyncSession, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Insert ratings that do not exist yet; returns the inserted rows."""
    if not rows:
        return []
    result = await session.execute(
        text(
            "INSERT INTO rating (user_id, movie_id, score, rated_at)"
            " SELECT * FROM unnest(CAST(:u AS uuid[]), CAST(:m AS int[]), CAST(:s AS numeric[]),"
            " CAST(:t AS timestamptz[]))"
            " ON CONFLICT DO NOTHING RETURNING user_id, movie_id, score::float AS score, rated_at"
        ),
        {
            "u": [r["user_id"] for r in rows],
            "m": [r["movie_id"] for r in rows],
            "s": [r["score"] for r in rows],
            "t": [r["rated_at"] for r in rows],
        },
    )
    return [dict(r) for r in result.mappings()]


async def recompute_summaries(session: AsyncSession, movie_ids: list[int]) -> list[dict[str, Any]]:
    """Rebuild the summaries of ``movie_ids`` from the ratings (used by the bulk import)."""
    result = await session.execute(
        text(
            """
            INSERT INTO rating_summary (movie_id, count, total, histogram)
            SELECT m.movie_id, count(r.score), coalesce(sum(r.score), 0),
                   ARRAY(SELECT count(*) FILTER (WHERE r2.score = i * 0.5)::int
                         FROM generate_series(1, 10) AS i
                         LEFT JOIN rating r2 ON r2.movie_id = m.movie_id
                         GROUP BY i ORDER BY i)
            FROM unnest(CAST(:ids AS int[])) AS m(movie_id)
            LEFT JOIN rating r ON r.movie_id = m.movie_id
            GROUP BY m.movie_id
            ON CONFLICT (movie_id) DO UPDATE SET count = excluded.count, total = excluded.total,
                histogram = excluded.histogram
            RETURNING movie_id, count, total::float AS total
            """
        ),
        {"ids": movie_ids},
    )
    return [dict(r) for r in result.mappings()]
