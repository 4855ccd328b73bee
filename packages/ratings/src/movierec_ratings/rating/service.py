"""Business rules of ratings. Never commits: the caller's transaction does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.cache import Cache
from movierec_common.db import Database, after_commit
from movierec_common.errors import NotFoundError
from movierec_common.events import MovieRatingSummary, RatingRemoved, RatingSet
from movierec_common.known_movies import require_known_movie
from movierec_common.outbox import EventEmitter
from movierec_common.pagination import Page, PageParams
from movierec_common.users import lock_active_user, lock_user
from movierec_ratings import __version__
from movierec_ratings.config import Settings
from movierec_ratings.rating import repository
from movierec_ratings.rating.schemas import RatingOut, RatingSort, RatingSummaryOut

SCORES = [i / 2 for i in range(1, 11)]


class RatingNotFoundError(NotFoundError):
    def __init__(self, movie_id: int) -> None:
        super().__init__(f"You have not rated movie {movie_id}.")


def _bucket(score: float) -> int:
    return round(score * 2) - 1


def summary_out(movie_id: int, row: dict[str, Any] | None) -> RatingSummaryOut:
    count = row["count"] if row else 0
    histogram = row["histogram"] if row else [0] * 10
    average = round(row["total"] / count, 3) if row and count else None
    return RatingSummaryOut(
        movie_id=movie_id,
        count=count,
        average=average,
        histogram={f"{s:.1f}": n for s, n in zip(SCORES, histogram, strict=True)},
    )


class RatingService:
    def __init__(self, settings: Settings, cache: Cache) -> None:
        self.settings = settings
        self.cache = cache
        self.events = EventEmitter(
            producer=f"ratings@{__version__}", exchange=settings.events_exchange
        )

    # -- cache keys --------------------------------------------------------------------

    def _user_generation_key(self, user_id: uuid.UUID) -> str:
        return self.cache.key("user", user_id, "generation")

    def _summary_key(self, movie_id: int) -> str:
        return self.cache.key("summary", movie_id)

    def _invalidate(self, session: AsyncSession, user_id: uuid.UUID, movie_ids: list[int]) -> None:
        async def invalidate() -> None:
            await self.cache.incr(self._user_generation_key(user_id))
            await self.cache.delete(*(self._summary_key(m) for m in movie_ids))

        after_commit(session, invalidate)

    # -- writes ------------------------------------------------------------------------

    async def set(
        self, session: AsyncSession, user_id: uuid.UUID, movie_id: int, score: float
    ) -> tuple[RatingOut, bool]:
        """Create or change the user's rating. Returns (rating, created)."""
        await lock_active_user(session, user_id)
        await require_known_movie(session, movie_id)
        current = await repository.get_for_update(session, user_id, movie_id)
        now = datetime.now(UTC)
        if current is not None and current["score"] == score:
            return RatingOut(
                movie_id=movie_id, title=None, score=score, rated_at=current["rated_at"]
            ), False
        await repository.upsert(session, user_id, movie_id, score, now)
        previous = current["score"] if current else None
        await self.events.emit(
            session,
            "rating.set",
            RatingSet(
                user_id=user_id,
                movie_id=movie_id,
                score=score,
                previous_score=previous,
                rated_at=now,
            ),
        )
        await self._apply_to_summary(session, movie_id, added=score, removed=previous)
        self._invalidate(session, user_id, [movie_id])
        return RatingOut(movie_id=movie_id, title=None, score=score, rated_at=now), current is None

    async def remove(self, session: AsyncSession, user_id: uuid.UUID, movie_id: int) -> None:
        await lock_active_user(session, user_id)
        await self._remove_locked(session, user_id, movie_id)

    async def _remove_locked(
        self, session: AsyncSession, user_id: uuid.UUID, movie_id: int
    ) -> None:
        current = await repository.get_for_update(session, user_id, movie_id)
        if current is None:
            raise RatingNotFoundError(movie_id)
        await repository.delete(session, user_id, movie_id)
        await self.events.emit(
            session,
            "rating.removed",
            RatingRemoved(user_id=user_id, movie_id=movie_id, previous_score=current["score"]),
        )
        await self._apply_to_summary(session, movie_id, added=None, removed=current["score"])
        self._invalidate(session, user_id, [movie_id])

    async def _apply_to_summary(
        self, session: AsyncSession, movie_id: int, *, added: float | None, removed: float | None
    ) -> None:
        row = await repository.summary_for_update(session, movie_id)
        count, total, histogram = row["count"], row["total"], list(row["histogram"])
        if added is not None:
            count, total = count + 1, total + added
            histogram[_bucket(added)] += 1
        if removed is not None:
            count, total = count - 1, total - removed
            histogram[_bucket(removed)] -= 1
        await repository.save_summary(session, movie_id, count, total, histogram)
        await self._emit_summary(session, movie_id, count, total)

    async def _emit_summary(
        self, session: AsyncSession, movie_id: int, count: int, total: float
    ) -> None:
        await self.events.emit(
            session,
            "movie.rating_summary",
            MovieRatingSummary(
                movie_id=movie_id, count=count, average=round(total / count, 4) if count else None
            ),
        )

    async def purge_user(
        self, session: AsyncSession, user_id: uuid.UUID, *, batch: int = 500
    ) -> int:
        """Remove every rating of a deleted user the normal way (events and summaries)."""
        await lock_user(session, user_id)
        removed = 0
        while movie_ids := await repository.movies_of_user(session, user_id, batch):
            for movie_id in movie_ids:
                await self._remove_locked(session, user_id, movie_id)
                removed += 1
        return removed

    async def import_ratings(self, session: AsyncSession, rows: list[dict[str, Any]]) -> int:
        """Insert ratings that do not exist yet, with their events and fresh summaries."""
        inserted = await repository.insert_many_ignoring_existing(session, rows)
        await self.events.emit_many(
            session,
            [
                (
                    "rating.set",
                    RatingSet(
                        user_id=r["user_id"],
                        movie_id=r["movie_id"],
                        score=r["score"],
                        previous_score=None,
                        rated_at=r["rated_at"],
                    ),
                )
                for r in inserted
            ],
        )
        movies = sorted({r["movie_id"] for r in inserted})
        if movies:
            summaries = await repository.recompute_summaries(session, movies)
            await self.events.emit_many(
                session,
                [
                    (
                        "movie.rating_summary",
                        MovieRatingSummary(
                            movie_id=s["movie_id"],
                            count=s["count"],
                            average=round(s["total"] / s["count"], 4) if s["count"] else None,
                        ),
                    )
                    for s in summaries
                ],
            )
        users = {r["user_id"] for r in inserted}

        async def invalidate() -> None:
            await self.cache.delete(*(self._summary_key(m) for m in movies))
            for user_id in users:
                await self.cache.incr(self._user_generation_key(user_id))

        if inserted:
            after_commit(session, invalidate)
        return len(inserted)

    # -- reads -------------------------------------------------------------------------

    async def list_mine(
        self, database: Database, user_id: uuid.UUID, sort: RatingSort, page: PageParams
    ) -> bytes:
        generation = await self.cache.get(self._user_generation_key(user_id)) or 0

        async def load() -> dict[str, Any]:
            async with database.transaction() as session:
                rows, total = await repository.list_for_user(
                    session, user_id, sort, limit=page.limit, offset=page.offset
                )
            items = [
                RatingOut(**{k: r[k] for k in ("movie_id", "title", "score", "rated_at")})
                for r in rows
            ]
            return Page.of(items, total=total, params=page).model_dump(mode="json")

        key = self.cache.key("user", user_id, "list", generation, sort, page.limit, page.offset)
        return await self.cache.get_or_set_raw(key, load, ttl=self.settings.cache_ttl_seconds)

    async def summary(self, database: Database, movie_id: int) -> bytes:
        async def load() -> dict[str, Any] | None:
            async with database.transaction() as session:
                row = await repository.get_summary(session, movie_id)
                if row is None:
                    await require_known_movie(session, movie_id)
            return summary_out(movie_id, row).model_dump(mode="json")

        return await self.cache.get_or_set_raw(
            self._summary_key(movie_id), load, ttl=self.settings.cache_ttl_seconds
        )
