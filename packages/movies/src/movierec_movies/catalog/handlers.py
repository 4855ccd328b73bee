"""Consumers of other services' events: popularity from watches, community ratings."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.consumer import BatchHandler, EventConsumer, Handler
from movierec_common.db import Database
from movierec_common.events import Event, MovieRatingSummary, WatchAdded, WatchRemoved
from movierec_movies.catalog import repository
from movierec_movies.catalog.service import CatalogService
from movierec_movies.config import Settings


def build_handlers(service: CatalogService) -> tuple[dict[str, Handler], dict[str, BatchHandler]]:
    """Handlers per event type, and the batch handler of the high-volume watch.added."""

    async def watches_added(session: AsyncSession, events: list[Event]) -> None:
        added: list[WatchAdded] = [e.data() for e in events]
        rows = [(d.entry_id, d.movie_id, service.watch_weight(d.watched_at)) for d in added]
        changed = await repository.count_watches(session, rows)
        if changed:
            service.invalidate_after_commit(session, changed)

    async def watch_removed(session: AsyncSession, event: Event) -> None:
        data: WatchRemoved = event.data()
        movie_id = await repository.uncount_watch(session, data.entry_id)
        if movie_id is not None:
            service.invalidate_after_commit(session, [movie_id])

    async def rating_summary(session: AsyncSession, event: Event) -> None:
        data: MovieRatingSummary = event.data()
        await repository.set_rating_summary(session, data.movie_id, data.count, data.average)
        service.invalidate_after_commit(session, [data.movie_id])

    handlers: dict[str, Handler] = {
        "watch.removed": watch_removed,
        "movie.rating_summary": rating_summary,
    }
    return handlers, {"watch.added": watches_added}


def create_consumer(
    settings: Settings, *, database: Database, service: CatalogService
) -> EventConsumer:
    handlers, batch_handlers = build_handlers(service)
    return EventConsumer.for_service(
        settings, database=database, handlers=handlers, batch_handlers=batch_handlers
    )
