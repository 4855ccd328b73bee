"""Queries over the recs read models (every one by primary key or an index)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def upsert_user(session: AsyncSession, user_id: uuid.UUID, genres: list[str]) -> None:
    await session.execute(
        text(
            "INSERT INTO app_user (user_id, favorite_genres) VALUES (:u, :g)"
            " ON CONFLICT (user_id) DO UPDATE SET favorite_genres = excluded.favorite_genres"
        ),
        {"u": user_id, "g": genres},
    )


async def delete_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    params = {"u": user_id}
    await session.execute(text("DELETE FROM app_user WHERE user_id = :u"), params)
    await session.execute(text("DELETE FROM interaction WHERE user_id = :u"), params)
    await session.execute(text("DELETE FROM watch WHERE user_id = :u"), params)


async def upsert_movie(session: AsyncSession, movie: dict[str, Any]) -> None:
    await session.execute(
        text(
            "INSERT INTO movie (movie_id, title, year, genres, actors, directors, tags,"
            " description) VALUES (:movie_id, :title, :year, :genres, :actors, :directors,"
            " :tags, :description)"
            " ON CONFLICT (movie_id) DO UPDATE SET title = excluded.title,"
            " year = excluded.year, genres = excluded.genres, actors = excluded.actors,"
            " directors = excluded.directors, tags = excluded.tags,"
            " description = excluded.description, deleted = false,"
            " revision = nextval('movie_revision')"
        ),
        movie,
    )


async def delete_movie(session: AsyncSession, movie_id: int) -> None:
    await session.execute(
        text(
            "UPDATE movie SET deleted = true, revision = nextval('movie_revision')"
            " WHERE movie_id = :m"
        ),
        {"m": movie_id},
    )


async def remove_watch(session: AsyncSession, entry_id: uuid.UUID) -> bool:
    removed = await session.execute(
        text("DELETE FROM watch WHERE entry_id = :e RETURNING user_id, movie_id"), {"e": entry_id}
    )
    row = removed.first()
    if row is None:
        return False
    await session.execute(
        text(
            "UPDATE interaction SET watches = greatest(watches - 1, 0)"
            " WHERE user_id = :u AND movie_id = :m"
        ),
        {"u": row.user_id, "m": row.movie_id},
    )
    await _drop_empty(session, row.user_id, row.movie_id)
    return True


async def remove_rating(session: AsyncSession, user_id: uuid.UUID, movie_id: int) -> None:
    await session.execute(
        text(
            "UPDATE interaction SET score = NULL, rated_at = NULL"
            " WHERE user_id = :u AND movie_id = :m"
        ),
        {"u": user_id, "m": movie_id},
    )
    await _drop_empty(session, user_id, movie_id)


async def _drop_empty(session: AsyncSession, user_id: uuid.UUID, movie_id: int) -> None:
    await session.execute(
        text(
            "DELETE FROM interaction WHERE user_id = :u AND movie_id = :m"
            " AND watches = 0 AND score IS NULL"
        ),
        {"u": user_id, "m": movie_id},
    )


async def count_events_for_training(session: AsyncSession, n: int, threshold: int) -> bool:
    """Add ``n`` interaction events. True when a training should be queued: ``threshold``
    reached and none queued in the last hour (the count starts again and the queueing is
    recorded)."""
    row = await session.execute(
        text(
            "UPDATE training_state SET"
            " events_since = CASE WHEN events_since + :n >= :t AND"
            "  (queued_at IS NULL OR queued_at < now() - interval '1 hour')"
            "  THEN 0 ELSE events_since + :n END,"
            " queued_at = CASE WHEN events_since + :n >= :t AND"
            "  (queued_at IS NULL OR queued_at < now() - interval '1 hour')"
            "  THEN now() ELSE queued_at END"
            " WHERE id = 1 RETURNING queued_at IS NOT NULL AND queued_at = now() AS due"
        ),
        {"n": n, "t": threshold},
    )
    return bool(row.scalar_one())


async def training_started(session: AsyncSession) -> None:
    """A training is running: the next threshold may queue another."""
    await session.execute(text("UPDATE training_state SET queued_at = NULL WHERE id = 1"))


async def set_ratings(session: AsyncSession, rows: list[tuple[Any, int, float, datetime]]) -> None:
    """Upsert (user_id, movie_id, score, rated_at) rows; a later row for a pair wins."""
    latest = {(u, m): (s, t) for u, m, s, t in rows}
    await session.execute(
        text(
            "INSERT INTO interaction (user_id, movie_id, score, rated_at)"
            " SELECT * FROM unnest(CAST(:u AS uuid[]), CAST(:m AS int[]), CAST(:s AS real[]),"
            " CAST(:t AS timestamptz[]))"
            " ON CONFLICT (user_id, movie_id) DO UPDATE SET"
            " score = excluded.score, rated_at = excluded.rated_at"
        ),
        {
            "u": [u for u, _ in latest],
            "m": [m for _, m in latest],
            "s": [v[0] for v in latest.values()],
            "t": [v[1] for v in latest.values()],
        },
    )


async def add_watches(
    session: AsyncSession, rows: list[tuple[uuid.UUID, uuid.UUID, int, datetime]]
) -> set[uuid.UUID]:
    """Record (entry_id, user_id, movie_id, watched_at) entries not seen before; the users
    whose interactions changed."""
    inserted = await session.execute(
        text(
            "INSERT INTO watch (entry_id, user_id, movie_id)"
            " SELECT * FROM unnest(CAST(:e AS uuid[]), CAST(:u AS uuid[]), CAST(:m AS int[]))"
            " ON CONFLICT (entry_id) DO NOTHING RETURNING entry_id"
        ),
        {"e": [r[0] for r in rows], "u": [r[1] for r in rows], "m": [r[2] for r in rows]},
    )
    new = set(inserted.scalars())
    counts: dict[tuple[uuid.UUID, int], list] = {}
    for entry, user, movie, at in rows:
        if entry in new:
            count = counts.setdefault((user, movie), [0, at])
            count[0] += 1
            count[1] = max(count[1], at)
    if counts:
        await session.execute(
            text(
                "INSERT INTO interaction (user_id, movie_id, watches, watched_at)"
                " SELECT * FROM unnest(CAST(:u AS uuid[]), CAST(:m AS int[]), CAST(:n AS int[]),"
                " CAST(:t AS timestamptz[]))"
                " ON CONFLICT (user_id, movie_id) DO UPDATE SET"
                " watches = interaction.watches + excluded.watches,"
                " watched_at = greatest(interaction.watched_at, excluded.watched_at)"
            ),
            {
                "u": [u for u, _ in counts],
                "m": [m for _, m in counts],
                "n": [c[0] for c in counts.values()],
                "t": [c[1] for c in counts.values()],
            },
        )
    return {user for user, _ in counts}


async def user_profile(
    session: AsyncSession, user_id: uuid.UUID
) -> tuple[list[str], list[tuple[int, float | None]]]:
    """The user's favorite genres and (movie_id, score or None for watched only) pairs."""
    genres = await session.execute(
        text("SELECT favorite_genres FROM app_user WHERE user_id = :u"), {"u": user_id}
    )
    favorites = genres.scalar_one_or_none() or []
    rows = await session.execute(
        text("SELECT movie_id, score FROM interaction WHERE user_id = :u"), {"u": user_id}
    )
    return list(favorites), [(r.movie_id, r.score) for r in rows]


async def movies_since(session: AsyncSession, revision: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        text(
            "SELECT movie_id, title, year, genres, actors, directors, tags, description,"
            " deleted, revision FROM movie"
            " WHERE revision > :r ORDER BY revision"
        ),
        {"r": revision},
    )
    return [dict(r) for r in rows.mappings()]


async def all_interactions(session: AsyncSession) -> list[Any]:
    """Every interaction with a movie still in the catalog (for training)."""
    rows = await session.execute(
        text(
            "SELECT i.user_id, i.movie_id, i.score,"
            " greatest(i.rated_at, i.watched_at) AS at FROM interaction i"
            " JOIN movie m ON m.movie_id = i.movie_id AND NOT m.deleted"
            " ORDER BY i.user_id, i.movie_id"
        )
    )
    return list(rows)


async def newest_model_version(session: AsyncSession) -> str | None:
    row = await session.execute(
        text("SELECT version FROM model ORDER BY trained_at DESC, version DESC LIMIT 1")
    )
    return row.scalar_one_or_none()


async def newest_model_age(session: AsyncSession) -> float | None:
    """Seconds since the newest model was trained (None without a model)."""
    row = await session.execute(
        text("SELECT extract(epoch FROM now() - max(trained_at)) FROM model")
    )
    age = row.scalar_one_or_none()
    return None if age is None else float(age)


async def load_model(session: AsyncSession, version: str) -> Any:
    row = await session.execute(
        text(
            "SELECT version, trained_at, algorithm, manifest, artifact FROM model"
            " WHERE version = :v"
        ),
        {"v": version},
    )
    return row.first()


async def save_model(
    session: AsyncSession,
    *,
    version: str,
    trained_at: datetime,
    algorithm: str,
    manifest: dict[str, Any],
    artifact: bytes,
    keep: int,
) -> None:
    await session.execute(
        text(
            "INSERT INTO model (version, trained_at, algorithm, manifest, artifact)"
            " VALUES (:v, :t, :a, CAST(:m AS jsonb), :b)"
        ),
        {
            "v": version,
            "t": trained_at,
            "a": algorithm,
            "m": orjson.dumps(manifest).decode(),
            "b": artifact,
        },
    )
    await session.execute(
        text(
            "DELETE FROM model WHERE version NOT IN (SELECT version FROM model"
            " ORDER BY trained_at DESC, version DESC LIMIT :k)"
        ),
        {"k": keep},
    )
