"""What the operator's commands know about a running platform: where each service's
database and queues are, whether the infrastructure answers, backlogs, queue depths, and
when everything published has been consumed ("drained").

The services are the installed ones (their ``movierec.services`` entry points); each
one's database and queue names come from its own settings, as its processes derive them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import redis.asyncio as redis

from movierec_common.amqp import connect, dead_letter_queue_name
from movierec_common.celery_app import task_queue_name
from movierec_common.consumer import consumer_queue_name
from movierec_common.db import connect_database
from movierec_common.operations import queue_depths
from movierec_common.service import ServiceSpec, service_specs
from movierec_common.settings import CommonSettings, ServiceSettings, database_url_on, to_plain_url


@dataclass(frozen=True)
class Service:
    """An installed service as the tools see it: its spec and its settings here."""

    spec: ServiceSpec[Any, Any]
    settings: ServiceSettings

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def database_url(self) -> str:
        return to_plain_url(self.settings.resolved_database_url)

    @property
    def events_queue(self) -> str | None:
        return consumer_queue_name(self.settings) if self.spec.consumes else None

    @property
    def tasks_queue(self) -> str:
        return task_queue_name(self.settings)


def services() -> list[Service]:
    """Every installed service, in port order, with its settings from this environment."""
    return [Service(spec, spec.load_settings()) for spec in service_specs()]


# -- infrastructure ----------------------------------------------------------------------


async def check_infrastructure(settings: CommonSettings) -> list[str]:
    """One message per server that does not answer, naming its URL and how to start it."""
    problems: list[str] = []
    try:
        conn = await connect_database(
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
        connection = await connect(settings.amqp_url)
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
        conn = await connect_database(url, timeout=5)
    except Exception:  # noqa: BLE001 - a database that is not there yet counts as unknown
        return None
    try:
        return int(await conn.fetchval(sql))
    except asyncpg.PostgresError:
        return None
    finally:
        await conn.close()


async def vacuum_analyze(platform: list[Service]) -> dict[str, str]:
    """``VACUUM (ANALYZE)`` every service's database, as PostgreSQL advises after a bulk
    load: the planner gets statistics, and the visibility map lets index-only scans (the
    rating summaries' recount) skip the table's pages. Autovacuum does it in time where it
    is on; it is off on some servers (this project's development machine's), and there a
    seeded platform's summary recount read every page it counted (``platform-writes``:
    about a tenth more writes a second after it). The databases it could not vacuum (only
    an optimisation: nothing depends on it), by name, with why."""

    async def one(url: str) -> str | None:
        try:
            conn = await connect_database(url, timeout=5)
            try:
                # A service's own role vacuums its tables (it owns them) and skips the
                # system catalogs with a warning.
                await conn.execute("VACUUM (ANALYZE)")
            finally:
                await conn.close()
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            return repr(exc)
        return None

    failed = await asyncio.gather(*(one(s.database_url) for s in platform))
    return {s.name: why for s, why in zip(platform, failed, strict=True) if why is not None}


async def outbox_backlogs(platform: list[Service]) -> dict[str, int | None]:
    """What waits to leave each service's database: outbox rows and queued sweep work
    (a movie's summary recount, …)."""
    counts = await asyncio.gather(*(_scalar(s.database_url, s.spec.backlog_sql) for s in platform))
    return {s.name: n for s, n in zip(platform, counts, strict=True)}


# When each consumer last committed a batch (µs since the epoch): read off the index on
# processed_at, so polling it costs nothing however large the inbox (a count(*) scanned
# hundreds of thousands of rows twice a second while seeding).
_LAST_APPLIED = (
    "SELECT coalesce(floor(extract(epoch FROM max(processed_at)) * 1000000), 0)::bigint FROM inbox"
)


async def last_applied(platform: list[Service]) -> dict[str, int | None]:
    """When each consuming service's consumer last committed a batch."""
    consumers = [s for s in platform if s.spec.consumes]
    marks = await asyncio.gather(*(_scalar(s.database_url, _LAST_APPLIED) for s in consumers))
    return {s.name: n for s, n in zip(consumers, marks, strict=True)}


def consumer_queues(platform: list[Service]) -> list[str]:
    return [s.events_queue for s in platform if s.events_queue is not None]


def all_queues(platform: list[Service]) -> list[str]:
    names = []
    for service in platform:
        if service.events_queue is not None:
            names += [service.events_queue, dead_letter_queue_name(service.events_queue)]
        names.append(service.tasks_queue)
    return names


@dataclass
class DrainState:
    backlog: int
    queued: int
    #: When each consumer last committed (see :func:`last_applied`): quiet when unchanged.
    inbox: dict[str, int | None] = field(default_factory=dict)

    @property
    def pending(self) -> int:
        return self.backlog + self.queued


async def drain_state(settings: CommonSettings, platform: list[Service]) -> DrainState:
    backlogs, states, inbox = await asyncio.gather(
        outbox_backlogs(platform),
        queue_depths(settings.amqp_url, consumer_queues(platform)),
        last_applied(platform),
    )
    return DrainState(
        backlog=sum(v or 0 for v in backlogs.values()),
        queued=sum(s.messages or 0 for s in states.values()),
        inbox=inbox,
    )


async def wait_drained(
    settings: CommonSettings,
    platform: list[Service],
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
        state = await drain_state(settings, platform)
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


async def newest_model(platform: list[Service]) -> str | None:
    recs = next((s for s in platform if s.name == "recs"), None)
    if recs is None:
        return None
    try:
        conn = await connect_database(recs.database_url, timeout=5)
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


async def catalog_size(platform: list[Service]) -> int:
    movies = next(s for s in platform if s.name == "movies")
    return await _scalar(movies.database_url, "SELECT count(*) FROM movie") or 0
