"""Business rules of ratings. Never commits: the caller's transaction does."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.demo import DemoRating
from movierec_common.errors import NotFoundError
from movierec_common.events import MovieRatingSummary, RatingRemoved, RatingSet
from movierec_common.pagination import PageParams
from movierec_ratings.rating import repository
from movierec_ratings.rating.repository import SCORES, Rating, Summary
from movierec_ratings.rating.schemas import RatingOut, RatingSort, RatingSummaryOut
from movierec_userdata.known_movies import require_known_movie
from movierec_userdata.service import UserDataService
from movierec_userdata.users import lock_active_user


class RatingNotFoundError(NotFoundError):
    def __init__(self, movie_id: int) -> None:
        super().__init__(f"You have not rated movie {movie_id}.")


def summary_out(movie_id: int, summary: Summary | None) -> RatingSummaryOut:
    summary = summary or Summary(movie_id=movie_id)
    average = round(summary.total / summary.count, 3) if summary.count else None
    return RatingSummaryOut(
        movie_id=movie_id,
        count=summary.count,
        average=average,
        histogram={f"{s:.1f}": n for s, n in zip(SCORES, summary.histogram, strict=True)},
    )


def _summary_event(summary: Summary) -> tuple[str, MovieRatingSummary]:
    return "movie.rating_summary", MovieRatingSummary(
        movie_id=summary.movie_id, count=summary.count, average=summary.average
    )


class RatingService(UserDataService):
    def _summary_key(self, movie_id: int) -> str:
        return self.cache.key("summary", movie_id)

    def _changed(self, session: AsyncSession, users: set[uuid.UUID], movies: Sequence[int]) -> None:
        self.touched(session, users, keys=[self._summary_key(m) for m in movies])

    # -- writes ------------------------------------------------------------------------

    async def set(
        self, session: AsyncSession, *, user_id: uuid.UUID, movie_id: int, score: float
    ) -> tuple[RatingOut, bool]:
        """Create or change the user's rating. Returns (rating, created)."""
        await lock_active_user(session, user_id)
        await require_known_movie(session, movie_id)
        current = await repository.get_for_update(session, user_id=user_id, movie_id=movie_id)
        if current is not None and current.score == score:
            return RatingOut(
                movie_id=movie_id, title=None, score=score, rated_at=current.rated_at
            ), False
        new = Rating(user_id=user_id, movie_id=movie_id, score=score, rated_at=datetime.now(UTC))
        await repository.upsert(session, new)
        previous = current.score if current else None
        await self.events.emit(
            session,
            "rating.set",
            RatingSet(
                user_id=user_id,
                movie_id=movie_id,
                score=score,
                previous_score=previous,
                rated_at=new.rated_at,
            ),
        )
        await self._apply_to_summary(session, movie_id, added=score, removed=previous)
        self._changed(session, {user_id}, [movie_id])
        out = RatingOut(movie_id=movie_id, title=None, score=score, rated_at=new.rated_at)
        return out, current is None

    async def remove(self, session: AsyncSession, *, user_id: uuid.UUID, movie_id: int) -> None:
        await lock_active_user(session, user_id)
        current = await repository.get_for_update(session, user_id=user_id, movie_id=movie_id)
        if current is None:
            raise RatingNotFoundError(movie_id)
        await self._remove(session, current)

    async def _remove(self, session: AsyncSession, current: Rating) -> None:
        await repository.delete_rating(session, user_id=current.user_id, movie_id=current.movie_id)
        await self.events.emit(
            session,
            "rating.removed",
            RatingRemoved(
                user_id=current.user_id, movie_id=current.movie_id, previous_score=current.score
            ),
        )
        await self._apply_to_summary(session, current.movie_id, added=None, removed=current.score)
        self._changed(session, {current.user_id}, [current.movie_id])

    async def _apply_to_summary(
        self, session: AsyncSession, movie_id: int, *, added: float | None, removed: float | None
    ) -> None:
        summary = await repository.summary_for_update(session, movie_id)
        summary.change(added=added, removed=removed)
        await repository.save_summary(session, summary)
        await self.events.emit(session, *_summary_event(summary))

    async def remove_some(self, session: AsyncSession, *, user_id: uuid.UUID, limit: int) -> int:
        ratings = await repository.ratings_of_user(session, user_id=user_id, limit=limit)
        for current in ratings:
            await self._remove(session, current)
        return len(ratings)

    async def import_demo(self, session: AsyncSession, *, ratings: list[DemoRating]) -> int:
        """Insert the demo ratings not present yet, with their events and fresh summaries."""
        inserted = await repository.insert_ratings(
            session,
            [
                Rating(user_id=r.user_id, movie_id=r.movie_id, score=r.score, rated_at=r.rated_at)
                for r in ratings
            ],
        )
        await self.events.emit_many(
            session,
            [
                (
                    "rating.set",
                    RatingSet(
                        user_id=r.user_id,
                        movie_id=r.movie_id,
                        score=r.score,
                        previous_score=None,
                        rated_at=r.rated_at,
                    ),
                )
                for r in inserted
            ],
        )
        movies = sorted({r.movie_id for r in inserted})
        if movies:
            summaries = await repository.recompute_summaries(session, movies)
            await self.events.emit_many(session, [_summary_event(s) for s in summaries])
        self._changed(session, {r.user_id for r in inserted}, movies)
        return len(inserted)

    # -- reads -------------------------------------------------------------------------

    async def list_mine(self, *, user_id: uuid.UUID, sort: RatingSort, page: PageParams) -> bytes:
        async def load(session: AsyncSession) -> tuple[list[RatingOut], int]:
            rows, total = await repository.list_for_user(
                session, user_id=user_id, sort=sort, limit=page.limit, offset=page.offset
            )
            items = [
                RatingOut(movie_id=r.movie_id, title=r.title, score=r.score, rated_at=r.rated_at)
                for r in rows
            ]
            return items, total

        return await self.user_page(user_id, sort, page=page, load=load)

    async def summary(self, *, movie_id: int) -> bytes:
        async def load() -> dict[str, Any]:
            async with self.database.transaction() as session:
                found = await repository.get_summary(session, movie_id)
                if found is None:
                    await require_known_movie(session, movie_id)
            return summary_out(movie_id, found).model_dump(mode="json")

        return await self.cache.get_or_set_raw(self._summary_key(movie_id), load)
