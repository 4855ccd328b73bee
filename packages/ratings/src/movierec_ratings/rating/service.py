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


# The write functions (migration 0003): one round trip each.
_SET = "SELECT outcome, stamp FROM rating_set($1, $2, $3, $4, $5, $6)"
_REMOVE = "SELECT rating_remove($1, $2, $3, $4)"


class RatingService(UserDataService):
    def _summary_key(self, movie_id: int) -> str:
        return self.cache.key("summary", movie_id)

    # -- writes ------------------------------------------------------------------------

    async def set(
        self, *, user_id: uuid.UUID, movie_id: int, score: float
    ) -> tuple[RatingOut, bool]:
        """Create or change the user's rating in one round trip. Returns (rating, created).

        The movie's summary is not touched here: the function queues the movie, and the
        consumer process's sweep recounts it (see :meth:`refresh_summaries`)."""
        now = datetime.now(UTC)
        event = self.events.build(
            "rating.set",
            RatingSet(user_id=user_id, movie_id=movie_id, score=score, rated_at=now),
        )
        outcome, stamp = await self.write(
            _SET, user_id, movie_id, score, now, self.events.exchange, event,
            user_id=user_id, movie_id=movie_id,
        )  # fmt: skip
        out = RatingOut(movie_id=movie_id, title=None, score=score, rated_at=stamp)
        return out, outcome == "created"

    async def remove(self, *, user_id: uuid.UUID, movie_id: int) -> None:
        """Remove the user's rating in one round trip."""
        # The function fills in the score it removed.
        event = self.events.build(
            "rating.removed", RatingRemoved(user_id=user_id, movie_id=movie_id, previous_score=0)
        )
        (outcome,) = await self.write(
            _REMOVE, user_id, movie_id, self.events.exchange, event,
            user_id=user_id, movie_id=movie_id,
        )  # fmt: skip
        if outcome == "not_found":
            raise RatingNotFoundError(movie_id)

    async def _remove(self, session: AsyncSession, current: Rating) -> None:
        await repository.delete_rating(session, user_id=current.user_id, movie_id=current.movie_id)
        await self.events.emit(
            session,
            "rating.removed",
            RatingRemoved(
                user_id=current.user_id, movie_id=current.movie_id, previous_score=current.score
            ),
        )

    async def refresh_summaries(self, session: AsyncSession, movie_ids: Sequence[int]) -> None:
        """Recount the summaries of ``movie_ids`` from the ratings and announce each one
        that changed, one ``movie.rating_summary`` per movie (the consumer process's sweep
        of the recount queue for each batch of queued movies; the purge and the import in
        their own transactions).
        Exact whatever the order of the writes and however often a movie is recounted:
        the ratings table is the source."""
        movies = sorted(set(movie_ids))
        if not movies:
            return
        changed = await repository.recompute_summaries(session, movies)
        await self.events.emit_many(session, [_summary_event(s) for s in changed])
        self.cache.invalidate_after_commit(
            session, keys=[self._summary_key(s.movie_id) for s in changed]
        )

    async def remove_some(self, session: AsyncSession, *, user_id: uuid.UUID, limit: int) -> int:
        ratings = await repository.ratings_of_user(session, user_id=user_id, limit=limit)
        for current in ratings:
            await self._remove(session, current)
        # Removed here, not by the write function: the purge recounts itself.
        await self.refresh_summaries(session, [r.movie_id for r in ratings])
        self.touched(session, {user_id})
        return len(ratings)

    async def import_demo(self, session: AsyncSession, *, ratings: list[DemoRating]) -> int:
        """Insert the demo ratings not present yet, with their events."""
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
        # Recounted here, once per imported batch (nothing is queued for the consumer).
        await self.refresh_summaries(session, [r.movie_id for r in inserted])
        self.touched(session, {r.user_id for r in inserted})
        return len(inserted)

    # -- reads -------------------------------------------------------------------------

    async def list_mine(
        self,
        *,
        user_id: uuid.UUID,
        sort: RatingSort,
        page: PageParams,
        movie_id: int | None = None,
    ) -> bytes:
        async def load(session: AsyncSession) -> tuple[list[RatingOut], int]:
            rows, total = await repository.list_for_user(
                session,
                user_id=user_id,
                sort=sort,
                limit=page.limit,
                offset=page.offset,
                movie_id=movie_id,
            )
            items = [
                RatingOut(movie_id=r.movie_id, title=r.title, score=r.score, rated_at=r.rated_at)
                for r in rows
            ]
            return items, total

        return await self.user_page(user_id, sort, movie_id, page=page, load=load)

    async def summary(self, *, movie_id: int) -> bytes:
        async def load() -> dict[str, Any]:
            async with self.database.transaction() as session:
                found = await repository.get_summary(session, movie_id)
                if found is None:
                    await require_known_movie(session, movie_id)
            return summary_out(movie_id, found).model_dump(mode="json")

        return await self.cache.get_or_set_raw(self._summary_key(movie_id), load)
