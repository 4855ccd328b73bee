"""Consumers of other services' events: popularity from watches, community ratings."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.events import Event, MovieRatingSummary, WatchAdded, WatchRemoved
from movierec_common.service import Handlers
from movierec_movies.catalog import repository
from movierec_movies.catalog.service import CatalogService


def catalog_handlers(service: CatalogService) -> Handlers:
    """Handlers per event type, and batch handlers of the high-volume types."""

    async def watches_added(session: AsyncSession, events: list[Event]) -> None:
        added: list[WatchAdded] = [e.data() for e in events]
        rows = [(d.entry_id, d.movie_id, service.watch_weight(d.watched_at)) for d in added]
        service.touched(session, await repository.count_watches(session, rows))

    async def watch_removed(session: AsyncSession, event: Event) -> None:
        data: WatchRemoved = event.data()
        movie_id = await repository.uncount_watch(session, data.entry_id)
        if movie_id is not None:
            service.touched(session, [movie_id])

    async def rating_summaries(session: AsyncSession, events: list[Event]) -> None:
        summaries: list[MovieRatingSummary] = [e.data() for e in events]
        # In order: the newest summary of a movie in the batch wins.
        latest = {d.movie_id: (d.count, d.average) for d in summaries}
        await repository.set_rating_summaries(session, latest)
        service.touched(session, list(latest))

    return Handlers(
        events={"watch.removed": watch_removed},
        batches={"watch.added": watches_added, "movie.rating_summary": rating_summaries},
    )
