"""Consumers of other services' events: known movies and deleted users."""

from __future__ import annotations

from celery import Celery
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.celery_app import task_queue_name
from movierec_common.consumer import EventConsumer, Handler, consumer_queue_name
from movierec_common.db import Database
from movierec_common.events import Event, UserDeleted
from movierec_common.known_movies import KNOWN_MOVIE_HANDLERS
from movierec_common.outbox import record, task_message
from movierec_ratings.config import Settings

PURGE_TASK = "movierec_ratings.purge_user"


def build_handlers(settings: Settings, celery_app: Celery) -> dict[str, Handler]:
    async def user_deleted(session: AsyncSession, event: Event) -> None:
        # The consumer records the tombstone in this transaction, so writes are refused from
        # the commit on; the ratings themselves are removed by a worker, each the normal way.
        data: UserDeleted = event.data()
        await record(
            session,
            task_message(
                celery_app, PURGE_TASK, args=[str(data.user_id)], queue=task_queue_name(settings)
            ),
        )

    return {**KNOWN_MOVIE_HANDLERS, "user.deleted": user_deleted}


def create_consumer(settings: Settings, *, database: Database, celery_app: Celery) -> EventConsumer:
    return EventConsumer(
        database=database,
        amqp_url=settings.amqp_url,
        events_exchange=settings.events_exchange,
        queue=consumer_queue_name(settings),
        handlers=build_handlers(settings, celery_app),
    )
