"""The recs consumer: read models from user.*, movie.*, watch.* and rating.* events.

Every change to a user's interactions bumps that user's cache generation after the
commit, so their next request is scored from the new state (freshness without retraining);
after ``train_after_events`` interaction events a training is queued through the outbox.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.events import (
    Event,
    MovieDeleted,
    MovieUpserted,
    RatingRemoved,
    RatingSet,
    UserDeleted,
    UserRegistered,
    WatchAdded,
    WatchRemoved,
)
from movierec_common.outbox import record
from movierec_common.service import Handlers
from movierec_recs.online import repository as online
from movierec_recs.readmodel import repository
from movierec_recs.serving.recommender import Recommender

TRAIN_TASK = "train"
FORGET_TASK = "forget_user_in_models"


def readmodel_handlers(recommender: Recommender) -> Handlers:
    """Handlers per event type, and batch handlers for the high-volume types."""
    runtime = recommender.runtime
    threshold = runtime.settings.train_after_events
    min_age = timedelta(seconds=runtime.settings.train_min_interval_seconds)
    window = timedelta(hours=runtime.settings.attribution_window_hours)

    def touched(session: AsyncSession, users: set[uuid.UUID]) -> None:
        recommender.cache.invalidate_after_commit(
            session, generations=[recommender.generation_key(u) for u in users]
        )

    async def interactions(session: AsyncSession, users: set[uuid.UUID], n: int) -> None:
        touched(session, users)
        if await repository.count_events_for_training(session, n, threshold, min_age):
            await record(session, runtime.task(TRAIN_TASK))

    async def user_upserted(session: AsyncSession, event: Event) -> None:
        data: UserRegistered = event.data()
        await repository.upsert_user(session, user_id=data.user_id, genres=data.favorite_genres)
        touched(session, {data.user_id})

    async def user_deleted(session: AsyncSession, event: Event) -> None:
        data: UserDeleted = event.data()
        await repository.delete_user(session, data.user_id)
        touched(session, {data.user_id})
        # The stored models learned a vector of the user: rewritten without it, off the
        # consumer's path.
        await record(session, runtime.task(FORGET_TASK, str(data.user_id)))

    async def movies_upserted(session: AsyncSession, events: list[Event]) -> None:
        upserted: list[MovieUpserted] = [e.data() for e in events]
        await repository.upsert_movies(
            session, [repository.Movie(**d.model_dump()) for d in upserted]
        )

    async def movie_deleted(session: AsyncSession, event: Event) -> None:
        data: MovieDeleted = event.data()
        await repository.delete_movie(session, data.movie_id)

    async def watches_added(session: AsyncSession, events: list[Event]) -> None:
        added: list[WatchAdded] = [e.data() for e in events]
        users = await repository.add_watches(
            session, [(d.entry_id, d.user_id, d.movie_id, d.watched_at) for d in added]
        )
        # Credited to the recommendation that showed the movie before, if one did.
        await online.attribute(
            session,
            kind="watch",
            events=[(d.user_id, d.movie_id, d.watched_at, None) for d in added],
            window=window,
        )
        await interactions(session, users, len(events))

    async def watch_removed(session: AsyncSession, event: Event) -> None:
        data: WatchRemoved = event.data()
        if await repository.remove_watch(session, data.entry_id):
            await interactions(session, {data.user_id}, 1)

    async def ratings_set(session: AsyncSession, events: list[Event]) -> None:
        rated: list[RatingSet] = [e.data() for e in events]
        await repository.set_ratings(
            session, [(d.user_id, d.movie_id, d.score, d.rated_at) for d in rated]
        )
        await online.attribute(
            session,
            kind="rating",
            events=[(d.user_id, d.movie_id, d.rated_at, d.score) for d in rated],
            window=window,
        )
        await interactions(session, {d.user_id for d in rated}, len(events))

    async def rating_removed(session: AsyncSession, event: Event) -> None:
        data: RatingRemoved = event.data()
        await repository.remove_rating(session, user_id=data.user_id, movie_id=data.movie_id)
        await interactions(session, {data.user_id}, 1)

    return Handlers(
        events={
            "user.registered": user_upserted,
            "user.updated": user_upserted,
            "user.deleted": user_deleted,
            "movie.deleted": movie_deleted,
            "watch.removed": watch_removed,
            "rating.removed": rating_removed,
        },
        batches={
            "movie.upserted": movies_upserted,
            "watch.added": watches_added,
            "rating.set": ratings_set,
        },
    )
