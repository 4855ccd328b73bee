"""What the operator's commands know about a running platform: where each service's
database and queues are, whether the infrastructure answers, backlogs, queue depths, and
when everything published has been consumed ("drained").

Only names shared by contract are used (databases ``movierec_<svc>`` or
``MOVIEREC_<SVC>_DATABASE_URL``, queues ``<namespace>.<svc>.events|tasks``): the tools
import no service.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aio_pika
import asyncpg
import redis.asyncio as redis

from movierec_common.amqp import dead_letter_queue_name
from movierec_common.settings import SERVICES, CommonSettings, database_url_on, to_plain_url

#: Services with an event consumer (auth consumes nothing).
CONSUMERS: tuple[str, ...] = ("movies", "history", "ratings", "recs")


def database_url(service: str, settings: CommonSettings) -> str:
    override = os.environ.get(f"MOVIEREC_{service.upper()}_DATABASE_URL")
    if override:
        return to_plain_url(override)
    return database_url_on(to_plain_url(settings.postgres_url), f"movierec_{service}")


def events_queue(service: str, settings: CommonSettings) -> str:
    return f"{settings.namespace}.{service}.events"


def tasks_queue(service: str, settings: CommonSettings) -> str:
    return f"{settings.namespace}.{service}.tasks"


# -- infrastructure ----------------------------------------------------------------------


async def check_infrastructure(settings: CommonSettings) -> list[str]:
    """One message per server that does not answer, naming its URL and how to start it."""
    problems: list[str] = []
    try:
        conn = await asyncpg.connect(
            database_url_on(to_plain_url(settings.postgres_url), "postgres"), timeout=5
        )
        await conn.close()
    except Exception as exc:  # noqa: BLE001 - any failure is reported the same way
        problems.append(
            f"PostgreSQL does not answer at {settings.postgres_url} ({exc.__class__.__name__}):"
            " start it (e.g. `pg_ctlcluster 15 main start`, or"
            " `docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16`)"
            " or point MOVIEREC_POSTGRES_URL at yours."
        )
    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001
        problems.append(
            f"Redis does not answer at {settings.redis_url} ({exc.__class__.__name__}):"
            " start it (e.g. `redis-server --daemonize yes`, or"
            " `docker run -d -p 6379:6379 redis:7`) or point MOVIEREC_REDIS_URL at yours."
        )
    finally:
        with contextlib.suppress(Exception):
            await client.aclose()
    try:
        connection = await aio_pika.connect(settings.amqp_url, timeout=5)
        await connection.close()
    except Exception as exc:  # noqa: BLE001
        problems.append(
            f"RabbitMQ does not answer at {_safe(settings.amqp_url)} ({exc.__class__.__name__}):"
            " start it (e.g. `rabbitmq-server -detached`, or"
            " `docker run -d -p 5672:5672 rabbitmq:3`) or point MOVIEREC_AMQP_URL at yours."
        )
    return problems


def _safe(url: str) -> str:
    """The URL without its password."""
    scheme, _, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


# -- backlogs and queues -----------------------------------------------------------------


async def _scalar(url: str, sql: str) -> int | None:
    try:
        conn = await asyncpg.connect(url, timeout=5)
    except Exception:  # noqa: BLE001 - a database that is not there yet counts as unknown
        return None
    try:
        return int(await conn.fetchval(sql))
    except asyncpg.PostgresError:
        return None
    finally:
        await conn.close()


async def outbox_backlogs(settings: CommonSettings) -> dict[str, int | None]:
    counts = await asyncio.gather(
        *(_scalar(database_url(s, settings), "SELECT count(*) FROM outbox") for s in SERVICES)
    )
    return dict(zip(SERVICES, counts, strict=True))


async def inbox_counts(settings: CommonSettings) -> dict[str, int | None]:
    counts = await asyncio.gather(
        *(_scalar(database_url(s, settings), "SELECT count(*) FROM inbox") for s in CONSUMERS)
    )
    return dict(zip(CONSUMERS, counts, strict=True))


@dataclass
class QueueState:
    messages: int | None  # ready messages (None: the queue does not exist)
    consumers: int | None


async def queue_states(settings: CommonSettings, names: list[str]) -> dict[str, QueueState]:
    states: dict[str, QueueState] = {}
    connection = await aio_pika.connect(settings.amqp_url, timeout=5)
    async with connection:
        channel = await connection.channel()
        for name in names:
            try:
                queue = await channel.declare_queue(name, passive=True)
                result = queue.declaration_result
                states[name] = QueueState(result.message_count, result.consumer_count)
            except aio_pika.exceptions.ChannelClosed:
                states[name] = QueueState(None, None)
                channel = await connection.channel()
    return states


def consumer_queues(settings: CommonSettings) -> list[str]:
    return [events_queue(s, settings) for s in CONSUMERS]


def all_queues(settings: CommonSettings) -> list[str]:
    names = []
    for service in SERVICES:
        if service in CONSUMERS:
            names += [events_queue(service, settings)]
            names += [dead_letter_queue_name(events_queue(service, settings))]
        names.append(tasks_queue(service, settings))
    return names


@dataclass
class DrainState:
    backlog: int
    queued: int
    inbox: dict[str, int | None] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        return self.backlog + self.queued


async def drain_state(settings: CommonSettings) -> DrainState:
    backlogs, states, inbox = await asyncio.gather(
        outbox_backlogs(settings),
        queue_states(settings, consumer_queues(settings)),
        inbox_counts(settings),
    )
    return DrainState(
        backlog=sum(v or 0 for v in backlogs.values()),
        queued=sum(s.messages or 0 for s in states.values()),
        inbox=inbox,
    )


async def wait_drained(
    settings: CommonSettings,
    *,
    quiet_seconds: float = 2.0,
    timeout: float = 1800.0,
    progress: Callable[[DrainState], None] | None = None,
) -> DrainState:
    """Wait until every outbox is empty, every consumer queue is empty, and no consumer
    has committed anything for ``quiet_seconds`` (its last batch is in)."""
    deadline = time.monotonic() + timeout
    quiet_since: float | None = None
    last_inbox: dict[str, int | None] | None = None
    while True:
        state = await drain_state(settings)
        if progress is not None:
            progress(state)
        now = time.monotonic()
        if state.pending == 0 and state.inbox == last_inbox:
            quiet_since = quiet_since or now
            if now - quiet_since >= quiet_seconds:
                return state
        else:
            quiet_since = None
        last_inbox = state.inbox
        if now > deadline:
            raise TimeoutError(
                f"not drained after {timeout:.0f} s: {state.backlog} unpublished,"
                f" {state.queued} unconsumed"
            )
        await asyncio.sleep(0.5)


async def newest_model(settings: CommonSettings) -> str | None:
    try:
        conn = await asyncpg.connect(database_url("recs", settings), timeout=5)
    except Exception:  # noqa: BLE001
        return None
    try:
        return await conn.fetchval(
            "SELECT version FROM model ORDER BY trained_at DESC, version DESC LIMIT 1"
        )
    except asyncpg.PostgresError:
        return None
    finally:
        await conn.close()


async def catalog_size(settings: CommonSettings) -> int:
    return await _scalar(database_url("movies", settings), "SELECT count(*) FROM movie") or 0
