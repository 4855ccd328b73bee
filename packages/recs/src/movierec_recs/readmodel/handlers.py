"""The recs consumer: read models from user.*, movie.*, watch.* and rating.* events.

Every change to a user's interactions bumps that user's cache generation after the
commit, so their next request is scored from the new state (freshness without retraining);
after ``train_after_events`` interaction events a training is queued through the outbox.
"""

from __future__ import annotations

import uuid

from celery import Celery
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.cache import Cache
from movierec_common.celery_app import task_queue_name
from movierec_common.consumer import BatchHandler, EventConsumer, Handler
from movierec_common.db import Database, after_commit
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
from movierec_common.outbox import record, task_message
from movierec_recs.config import Settings
from movierec_recs.readmodel import repository

TRAIN_TASK = "movierec_recs.train"


def generation_key(cache: Cache, user_id: uuid.UUID | str) -> str:
    """The counter every cached recommendation page of the user is keyed by."""
    return cache.key("gen", user_id)


def build_handlers(
    settings: Settings, *, cache: Cache, celery_app: Celery
) -> tuple[dict[str, Handler], dict[str, BatchHandler]]:
    """Handlers per event type, and batch handlers for the high-volume types."""

    def touched(session: AsyncSession, user_id: uuid.UUID) -> None:
        users: set[uuid.UUID] = session.info.setdefault("recs_touched_users", set())
        if not users:

            async def bump() -> None:
                for user in users:
                    await cache.incr(generation_key(cache, user))

            after_commit(session, bump)
        users.add(user_id)

    async def interactions(session: AsyncSession, users: set[uuid.UUID], n: int) -> None:
        for user in users:
            touched(session, user)
        if await repository.count_events_for_training(session, n, settings.train_after_events):
            message = task_message(celery_app, TRAIN_TASK, queue=task_queue_name(settings))
            await record(session, message)

    async def user_upserted(session: AsyncSession, event: Event) -> None:
        data: UserRegistered = event.data()
        await repository.upsert_user(session, data.user_id, data.favorite_genres)
        touched(session, data.user_id)

    async def user_deleted(session: AsyncSession, event: Event) -> None:
        data: UserDeleted = event.data()
        await repository.delete_user(session, data.user_id)
        touched(session, data.user_id)

    async def movie_upserted(session: AsyncSession, event: Event) -> None:
        data: MovieUpserted = event.data()
        await repository.upsert_movie(
            session,
            {
                "movie_id": data.movie_id,
                "title": data.title,
                "year": data.year,
                "genres": data.genres,
                "actors": data.actors,
                "directors": data.directors,
                "tags": data.tags,
                "description": data.description,
            },
        )

    async def movie_deleted(session: AsyncSession, event: Event) -> None:
        data: MovieDeleted = event.data()
        await repository.delete_movie(session, data.movie_id)

    async def watches_added(session: AsyncSession, events: list[Event]) -> None:
        added: list[WatchAdded] = [e.data() for e in events]
        users = await repository.add_watches(
            session, [(d.entry_id, d.user_id, d.movie_id, d.watched_at) for d in added]
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
        await interactions(session, {d.user_id for d in rated}, len(events))

    async def rating_removed(session: AsyncSession, event: Event) -> None:
        data: RatingRemoved = event.data()
        await repository.remove_rating(session, data.user_id, data.movie_id)
        await interactions(session, {data.user_id}, 1)

    handlers: dict[str, Handler] = {
        "user.registered": user_upserted,
        "user.updated": user_upserted,
        "user.deleted": user_deleted,
        "movie.upserted": movie_upserted,
        "movie.deleted": movie_deleted,
        "watch.removed": watch_removed,
        "rating.removed": rating_removed,
    }
    return handlers, {"watch.added": watches_added, "rating.set": ratings_set}


def create_consumer(
    settings: Settings, *, database: Database, cache: Cache, celery_app: Celery
) -> EventConsumer:
    handlers, batch_handlers = build_handlers(settings, cache=cache, celery_app=celery_app)
    return EventConsumer.for_service(
        settings, database=database, handlers=handlers, batch_handlers=batch_handlers
    )
