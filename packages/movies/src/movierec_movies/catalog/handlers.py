"""Consumers of other services' events: popularity from watches, community ratings."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.consumer import EventConsumer, Handler, consumer_queue_name
from movierec_common.db import Database
from movierec_common.events import Event, MovieRatingSummary, WatchAdded, WatchRemoved
from movierec_movies.catalog import repository
from movierec_movies.catalog.service import CatalogService
from movierec_movies.config import Settings


def build_handlers(service: CatalogService) -> dict[str, Handler]:
    async def watch_added(session: AsyncSession, event: Event) -> None:
        data: WatchAdded = event.data()
        weight = service.watch_weight(data.watched_at)
        if await repository.count_watch(session, data.entry_id, data.movie_id, weight):
            service.invalidate_after_commit(session, [data.movie_id])

    async def watch_removed(session: AsyncSession, event: Event) -> None:
        data: WatchRemoved = event.data()
        movie_id = await repository.uncount_watch(session, data.entry_id)
        if movie_id is not None:
            service.invalidate_after_commit(session, [movie_id])

    async def rating_summary(session: AsyncSession, event: Event) -> None:
        data: MovieRatingSummary = event.data()
        await repository.set_rating_summary(session, data.movie_id, data.count, data.average)
        service.invalidate_after_commit(session, [data.movie_id])

    return {
        "watch.added": watch_added,
        "watch.removed": watch_removed,
        "movie.rating_summary": rating_summary,
    }


def create_consumer(
    settings: Settings, *, database: Database, service: CatalogService
) -> EventConsumer:
    return EventConsumer(
        database=database,
        amqp_url=settings.amqp_url,
        events_exchange=settings.events_exchange,
        queue=consumer_queue_name(settings),
        handlers=build_handlers(service),
    )
