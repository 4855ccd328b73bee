"""Queries of the ratings service."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    bindparam,
    cast,
    delete,
    func,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from movierec_common.db import AnyRow, array_rows, as_record, insert_missing
from movierec_ratings.rating.schemas import RatingSort
from movierec_ratings.tables import rating, rating_summary
from movierec_userdata.known_movies import titled_page

#: The scores a rating may have, in the order of the summary's histogram.
SCORES = [i / 2 for i in range(1, 11)]

_ORDER = {
    RatingSort.date: (rating.c.rated_at.desc(), rating.c.movie_id),
    RatingSort.score: (rating.c.score.desc(), rating.c.rated_at.desc(), rating.c.movie_id),
}


@dataclass(frozen=True)
class Rating:
    user_id: uuid.UUID
    movie_id: int
    score: float
    rated_at: datetime


@dataclass(frozen=True)
class ListedRating:
    """A rating as the user's list shows it (with the movie's title when known)."""

    movie_id: int
    title: str | None
    score: float
    rated_at: datetime


@dataclass
class Summary:
    """A movie's ratings: how many, their sum, and how many of each score."""

    movie_id: int
    count: int = 0
    total: float = 0.0
    histogram: list[int] = field(default_factory=lambda: [0] * len(SCORES))

    @property
    def average(self) -> float | None:
        return round(self.total / self.count, 4) if self.count else None


def _summary(row: AnyRow) -> Summary:
    # By name: `count` is also a tuple method of the row.
    values = row._asdict()
    return Summary(
        movie_id=values["movie_id"],
        count=values["count"],
        total=values["total"],
        histogram=list(values["histogram"]),
    )


# Built once: the purge and the summary reads run them often.
_r, _s = rating.c, rating_summary.c
_THE_RATING = (_r.user_id == bindparam("user_id")) & (_r.movie_id == bindparam("movie_id"))
_DELETE = delete(rating).where(_THE_RATING)
_SUMMARY = select(_s.movie_id, _s.count, _s.total, _s.histogram).where(
    _s.movie_id == bindparam("movie_id")
)


async def delete_rating(session: AsyncSession, *, user_id: uuid.UUID, movie_id: int) -> None:
    await session.execute(_DELETE, {"user_id": user_id, "movie_id": movie_id})


async def list_for_user(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    sort: RatingSort,
    limit: int,
    offset: int,
    movie_id: int | None = None,
) -> tuple[list[ListedRating], int]:
    """A page of the user's ratings (of one movie, given ``movie_id``) in the chosen
    order, and how many there are in all."""
    return await titled_page(
        session,
        rating,
        ListedRating,
        user_id=user_id,
        order=_ORDER[sort],
        limit=limit,
        offset=offset,
        movie_id=movie_id,
    )


async def ratings_of_user(session: AsyncSession, *, user_id: uuid.UUID, limit: int) -> list[Rating]:
    """Up to ``limit`` of the user's ratings, locked."""
    r = rating.c
    rows = await session.execute(
        select(rating)
        .where(r.user_id == user_id)
        .order_by(r.movie_id)
        .limit(limit)
        .with_for_update()
    )
    return [as_record(Rating, x) for x in rows]


async def get_summary(session: AsyncSession, movie_id: int) -> Summary | None:
    found = (await session.execute(_SUMMARY, {"movie_id": movie_id})).first()
    return _summary(found) if found is not None else None


async def insert_ratings(session: AsyncSession, ratings: list[Rating]) -> list[Rating]:
    """Insert the ratings not present yet; the ones inserted."""
    return await insert_missing(session, rating, ratings)


# Per-movie locks in one order (no deadlock between two recounts), taken before the recount
# so that it reads what the other recount committed (a statement's snapshot starts after it).
_LOCK_SUMMARIES = text(
    "SELECT pg_advisory_xact_lock(hashtextextended('summary:' || m, 0))"
    " FROM unnest(CAST(:movies AS integer[])) AS m ORDER BY m"
)


def _recount() -> ReturningInsert[Any]:
    """Count, sum and histogram of the movies ``:movie_id`` from the ratings, stored: one
    pass over each movie's ratings (an aggregate per score), built once.

    Per movie (LATERAL), so that the plan is an index-only scan of each movie's ratings on
    ``ix_rating_movie_score`` whatever the table's size: as a join of the movies with the
    table, the prepared statement's generic plan read the whole table for every recount
    (11 ms per batch with 100,000 ratings, growing with every rating)."""
    movies = array_rows(movie_id=Integer()).alias("m")
    r = rating.c
    histogram = cast(
        postgresql.array([func.count().filter(r.score == score) for score in SCORES]),
        postgresql.ARRAY(Integer),
    )
    counted = (
        select(
            func.count(r.score).label("count"),
            func.coalesce(func.sum(r.score), 0).label("total"),
            histogram.label("histogram"),
        )
        .where(r.movie_id == movies.c.movie_id)
        .lateral("counted")
    )
    rebuilt = select(
        movies.c.movie_id, counted.c.count, counted.c.total, counted.c.histogram
    ).select_from(movies.join(counted, true()))
    insert = pg_insert(rating_summary).from_select(
        ["movie_id", "count", "total", "histogram"], rebuilt
    )
    s = rating_summary.c
    new = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[s.movie_id],
        set_={"count": new.count, "total": new.total, "histogram": new.histogram},
        # A summary that is already right is left alone and not returned: nothing to announce.
        where=tuple_(s.count, s.total, s.histogram).is_distinct_from(
            tuple_(new.count, new.total, new.histogram)
        ),
    ).returning(s.movie_id, s.count, s.total, s.histogram)


_RECOUNT = _recount()


async def recompute_summaries(session: AsyncSession, movie_ids: list[int]) -> list[Summary]:
    """Rebuild the summaries of ``movie_ids`` from the ratings, exactly: concurrent
    recounts of a movie are serialised, the later one sees what the earlier committed.
    Returns the summaries that changed (the others were already right)."""
    movies = sorted(set(movie_ids))
    await session.execute(_LOCK_SUMMARIES, {"movies": movies})
    return [_summary(x) for x in await session.execute(_RECOUNT, {"movie_id": movies})]
