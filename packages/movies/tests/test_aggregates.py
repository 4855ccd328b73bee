"""Community ratings and popularity come from other services' events, applied exactly once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest_asyncio

from movierec_common.consumer import publish_raw
from movierec_common.events import MovieRatingSummary, WatchAdded, WatchRemoved, make_event
from movierec_movies.spec import spec
from movierec_testkit import consuming, eventually


@pytest_asyncio.fixture(loop_scope="session")
async def consumer(settings, test_run, app):
    # Its invalidations reach the app's cache through Redis, as between two processes.
    async with consuming(spec, settings, test_run, "agg") as runtime:
        yield runtime


async def _publish(settings, *events) -> None:
    for event in events:
        await publish_raw(settings.amqp_url, settings.events_exchange, event.type, event.to_bytes())


def _summary(movie_id: int, count: int, average: float, version: int):
    return make_event(
        "movie.rating_summary",
        MovieRatingSummary(movie_id=movie_id, count=count, average=average),
        producer="ratings@test",
        aggregate_version=version,
    )


def _watch(kind: str, entry: uuid.UUID, movie_id: int, version: int):
    model = WatchAdded if kind == "watch.added" else WatchRemoved
    payload = model(
        entry_id=entry, user_id=uuid.uuid4(), movie_id=movie_id, watched_at=datetime.now(UTC)
    )
    return make_event(kind, payload, producer="history@test", aggregate_version=version)


async def test_rating_summary_last_version_wins_despite_reordering(client, consumer, settings):
    await client.get("/movies/2")  # cache the record first: the event must invalidate it
    await _publish(
        settings,
        _summary(2, 10, 4.0, version=5),
        _summary(2, 3, 2.0, version=2),  # older: ignored
        _summary(2, 10, 4.0, version=5),  # duplicate: ignored
    )

    async def applied() -> bool:
        movie = (await client.get("/movies/2")).json()
        return movie["rating_count"] == 10

    await eventually(applied)
    await asyncio.sleep(0.5)
    movie = (await client.get("/movies/2")).json()
    assert (movie["rating_count"], movie["rating_average"]) == (10, 4.0)


async def test_watches_raise_popularity_and_removals_lower_it(client, consumer, settings):
    entries = [uuid.uuid4() for _ in range(3)]
    await _publish(settings, *[_watch("watch.added", e, 3, 1) for e in entries])
    await _publish(settings, _watch("watch.added", entries[0], 3, 1))  # duplicate

    async def three() -> bool:
        return (await client.get("/movies/3")).json()["watch_count"] == 3

    await eventually(three)
    popular = (await client.get("/movies/3")).json()["popularity"]
    assert popular > 0
    await _publish(settings, _watch("watch.removed", entries[1], 3, 2))

    async def two() -> bool:
        return (await client.get("/movies/3")).json()["watch_count"] == 2

    await eventually(two)
    assert (await client.get("/movies/3")).json()["popularity"] < popular


async def test_removal_arriving_before_its_watch_counts_nothing(client, consumer, settings):
    entry = uuid.uuid4()
    await _publish(
        settings, _watch("watch.removed", entry, 5, 2), _watch("watch.added", entry, 5, 1)
    )
    sentinel = uuid.uuid4()
    await _publish(settings, _watch("watch.added", sentinel, 7, 3))

    async def sentinel_applied() -> bool:
        return (await client.get("/movies/7")).json()["watch_count"] >= 1

    await eventually(sentinel_applied)
    assert (await client.get("/movies/5")).json()["watch_count"] == 0


async def test_popular_movies_sort_first(client, consumer, settings):
    await _publish(settings, *[_watch("watch.added", uuid.uuid4(), 11, 1) for _ in range(20)])

    async def on_top() -> bool:
        top = (await client.get("/movies", params={"sort": "popularity", "limit": 1})).json()
        return top["items"][0]["id"] == 11

    await eventually(on_top)
