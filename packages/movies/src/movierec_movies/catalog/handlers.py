"""Consumers of other services' events: popularity from watches, community ratings."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.events import Event, MovieRatingSummary, WatchAdded, WatchRemoved
from movierec_common.service import Handlers
from movierec_movies.catalog import repository
from movierec_movies.catalog.service import CatalogService


def catalog_handlers(service: CatalogService) -> Handlers:
    """Handlers per event type, and the batch handler of the high-volume watch.added."""

    async def watches_added(session: AsyncSession, events: list[Event]) -> None:
        added: list[WatchAdded] = [e.data() for e in events]
        rows = [(d.entry_id, d.movie_id, service.watch_weight(d.watched_at)) for d in added]
        service.touched(session, await repository.count_watches(session, rows))

    async def watch_removed(session: AsyncSession, event: Event) -> None:
        data: WatchRemoved = event.data()
        movie_id = await repository.uncount_watch(session, data.entry_id)
        if movie_id is not None:
            service.touched(session, [movie_id])

    async def rating_summary(session: AsyncSession, event: Event) -> None:
        data: MovieRatingSummary = event.data()
        await repository.set_rating_summary(
            session, movie_id=data.movie_id, count=data.count, average=data.average
        )
        service.touched(session, [data.movie_id])

    return Handlers(
        events={"watch.removed": watch_removed, "movie.rating_summary": rating_summary},
        batches={"watch.added": watches_added},
    )
