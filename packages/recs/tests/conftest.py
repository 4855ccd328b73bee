from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import aio_pika
import pytest
import pytest_asyncio

from movierec_common.amqp import connect, declare_events_exchange
from movierec_common.events import (
    MovieUpserted,
    RatingSet,
    UserRegistered,
    WatchAdded,
    make_event,
)
from movierec_common.events.contracts import Payload
from movierec_recs import training
from movierec_recs.config import Settings
from movierec_recs.spec import spec
from movierec_testkit import eventually

#: A small world with a known answer: three genre clusters of 20 movies each, and fans who
#: rate movies of their cluster highly.
CLUSTERS = {
    "Horror": (range(1, 21), 1985),
    "Comedy": (range(21, 41), 1995),
    "Sci-Fi": (range(41, 61), 2005),
}
FANS_PER_CLUSTER = 10
_versions = itertools.count(1)


def fan(genre: str, n: int) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"movierec-test-fan:{genre}:{n}")


class Publisher:
    """Publishes events to the test exchange over one connection (the relay's job in prod)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.connection: aio_pika.abc.AbstractConnection | None = None
        self.exchange: aio_pika.abc.AbstractExchange | None = None

    async def __call__(self, event_type: str, payload: Payload, **kwargs) -> None:
        if self.exchange is None:
            self.connection = await connect(self.settings.amqp_url)
            channel = await self.connection.channel()
            self.exchange = await declare_events_exchange(channel, self.settings.events_exchange)
        event = make_event(
            event_type, payload, producer="test", aggregate_version=next(_versions), **kwargs
        )
        await self.exchange.publish(
            aio_pika.Message(event.to_bytes(), message_id=str(event.id)), routing_key=event_type
        )

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()


@pytest.fixture(scope="session")
def service_spec():
    return spec


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def settings(test_run, signing) -> Settings:
    # Own namespace and exchange: other services' tests in this process publish to the
    # run's exchange, and those events must not reach these tests' consumer.
    namespace = f"{test_run.namespace}-recs"
    exchange = f"{test_run.events_exchange}.recs"
    test_run.namespaces.add(namespace)
    test_run.exchanges.extend([exchange, f"{exchange}.dlx"])
    return await test_run.service_settings(
        spec,
        jwks=signing["jwks"],
        train_evaluate=False,
        namespace=namespace,
        events_exchange=exchange,
        refresh_seconds=0.05,
    )


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def publish(settings):
    publisher = Publisher(settings)
    yield publisher
    await publisher.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def runtime(settings):
    """The service's runtime in this process (its consumer's; tests query through it)."""
    async with spec.runtime(settings) as runtime:
        yield runtime


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def consumer(runtime):
    consumer = runtime.consumer()
    await consumer.declare_queue()
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    yield consumer
    stop.set()
    await task


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def drained(consumer) -> Callable[[int], Awaitable[None]]:
    """``await drained(n)``: wait until the consumer applied ``n`` more events than before."""

    async def wait(n: int, *, since: int | None = None) -> None:
        target = (consumer.applied if since is None else since) + n
        await eventually(lambda: _ready(consumer.applied >= target), timeout=20)

    return wait


async def _ready(value: bool) -> bool:
    return value


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def world(settings, publish, consumer) -> dict:
    """The synthetic world published as events, consumed, and a first model trained."""
    rng = random.Random(7)
    start = consumer.applied
    count = 0
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for genre, (ids, year) in CLUSTERS.items():
        for movie_id in ids:
            await publish(
                "movie.upserted",
                MovieUpserted(
                    movie_id=movie_id, title=f"{genre} {movie_id}", year=year, genres=[genre]
                ),
            )
            count += 1
    fans: dict[str, list[uuid.UUID]] = {}
    for genre, (ids, _) in CLUSTERS.items():
        for n in range(FANS_PER_CLUSTER):
            user = fan(genre, n)
            fans.setdefault(genre, []).append(user)
            await publish("user.registered", UserRegistered(user_id=user, favorite_genres=[genre]))
            count += 1
            for i, movie_id in enumerate(rng.sample(list(ids), 12)):
                at = base + timedelta(days=n, minutes=i)
                await publish(
                    "rating.set",
                    RatingSet(
                        user_id=user, movie_id=movie_id, score=rng.choice([4, 4.5, 5]), rated_at=at
                    ),
                )
                await publish(
                    "watch.added",
                    WatchAdded(
                        entry_id=uuid.uuid4(), user_id=user, movie_id=movie_id, watched_at=at
                    ),
                )
                count += 2
    await eventually(lambda: _ready(consumer.applied >= start + count), timeout=60)
    version = await training.train(settings)
    return {"fans": fans, "version": version}
