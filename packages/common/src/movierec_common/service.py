"""A service declares itself once, in a :class:`ServiceSpec`; the kernel builds the rest.

Every service package exports its spec as ``movierec_<name>.spec:spec`` in the
``movierec.services`` entry-point group. From the spec the kernel builds the service's HTTP
app, its console script, its Celery app and its event consumer, and the service object
they all share (:class:`Runtime`). ``movierec up``, ``status``, ``bench``, the test kit and
the checks of the static files (stacks, Dockerfile) list the entry points
(:func:`service_specs`) instead of keeping lists of their own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import PackageNotFoundError, entry_points, version
from pathlib import Path
from typing import Any, Generic, TypeVar

import click
import redis.asyncio as redis
from celery import Celery
from fastapi import APIRouter, FastAPI
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common import aio
from movierec_common.cache import Cache, create_redis
from movierec_common.celery_app import create_celery, task_queue_name
from movierec_common.cli import service_cli
from movierec_common.consumer import BatchHandler, EventConsumer, Handler, consumer_queue_name
from movierec_common.db import Database
from movierec_common.direct import DirectRoute
from movierec_common.events import Event
from movierec_common.maintenance import report_backlog
from movierec_common.outbox import EventEmitter, OutboxMessage, task_message
from movierec_common.revocation import Revocations, consumer_handlers
from movierec_common.settings import ServiceSettings
from movierec_common.sweeps import Sweep, backlog_statement
from movierec_common.web import create_service_app

#: The entry-point group every service registers its spec in.
ENTRY_POINT_GROUP = "movierec.services"

S = TypeVar("S", bound=ServiceSettings)
T = TypeVar("T")


@dataclass(frozen=True)
class Handlers:
    """What a service's consumer applies: a handler per event type, and batch handlers for
    the high-volume types (a run of consecutive events of one type in one call)."""

    events: Mapping[str, Handler] = field(default_factory=dict)
    batches: Mapping[str, BatchHandler] = field(default_factory=dict)
    #: Types the service consumed in an earlier version: their bindings are removed from
    #: its queue (an upgraded deployment's queue would go on receiving them).
    retired: Sequence[str] = ()

    @property
    def routing_keys(self) -> list[str]:
        return sorted({*self.events, *self.batches})


#: Registers Celery tasks on a service's Celery app. Task bodies open their own
#: :class:`Runtime` from the settings they are given (one per run: each runs its own loop).
TaskRegistrar = Callable[[Celery, "ServiceSpec[Any, Any]", Any], None]


@dataclass(frozen=True, kw_only=True)
class ServiceSpec(Generic[S, T]):
    """Everything the kernel needs to know about one service."""

    #: Short name: ``movierec-<name>`` is the distribution and the console script,
    #: ``movierec_<name>`` the package, ``movierec_<name>`` the default database.
    name: str
    #: URL prefix of every route (``/<prefix>/...``), docs at ``/<prefix>/docs``.
    prefix: str
    #: Default local port of ``serve`` (and of ``movierec up`` with the default port base).
    port: int
    title: str
    description: str
    settings: type[S]
    routers: Sequence[APIRouter]
    #: The happy path of the volume routes, served without FastAPI's machinery (see
    #: movierec_common.direct); each names a route of ``routers``.
    direct: Sequence[DirectRoute] = ()
    #: Builds the service object that endpoints, handlers, tasks and commands share.
    service: Callable[[Runtime[S, T]], T]
    #: The consumer's handlers, built from the service; None for a service that consumes
    #: no events.
    handlers: Callable[[T], Handlers] | None = None
    #: Queue tables of work the service's writes leave for its consumer process (see
    #: movierec_common.sweeps); a service with sweeps has handlers.
    sweeps: Sequence[Sweep[T]] = ()
    tasks: Sequence[TaskRegistrar] = ()
    #: Beat entries besides the backlog report every service has:
    #: ``{entry: (task short name, every so many seconds)}``.
    beat: Callable[[S], Mapping[str, tuple[str, float]]] | None = None
    #: The service's tables (the kernel's are implied): the one schema source that
    #: repositories use and migrations are checked against.
    tables: Sequence[MetaData] = ()
    #: The folder of the service's own revisions (after the kernel's and its libraries').
    migrations: Path
    #: Revisions of the libraries whose tables the service has (after the kernel's).
    library_migrations: Sequence[Path] = ()
    #: Runs around the HTTP app's life (e.g. a background refresh), given the service.
    lifespan: Callable[[T], AbstractAsyncContextManager[None]] | None = None
    #: Subcommands besides the standard ones; they get this spec with ``@pass_spec``.
    commands: Sequence[click.Command] = ()

    # -- names ---------------------------------------------------------------------------

    @property
    def package(self) -> str:
        return f"movierec_{self.name}"

    @property
    def distribution(self) -> str:
        return f"movierec-{self.name}"

    @cached_property
    def version(self) -> str:
        """The installed distribution's version (``0+unknown`` when it is not installed)."""
        try:
            return version(self.distribution)
        except PackageNotFoundError:
            return "0+unknown"

    @property
    def app_factory(self) -> str:
        """Import string of :meth:`create_app` (uvicorn loads it in each worker)."""
        return f"{self.package}.spec:spec.create_app"

    @property
    def consumes(self) -> bool:
        return self.handlers is not None

    @property
    def backlog_sql(self) -> str:
        """Counts what waits to leave the service's database: outbox rows and queued
        sweep work."""
        return backlog_statement([s.table for s in self.sweeps])

    @property
    def roles(self) -> tuple[str, ...]:
        """The processes the service runs: API, relay, consumer (if it consumes), Celery
        worker, and one beat."""
        return ("api", "relay", *(("consume",) if self.consumes else ()), "worker", "beat")

    @property
    def version_folders(self) -> list[Path]:
        """Where the service's revisions are, after the kernel's: its libraries', its own."""
        return [*self.library_migrations, self.migrations]

    def task_name(self, short: str) -> str:
        return f"{self.package}.{short}"

    # -- building ------------------------------------------------------------------------

    def load_settings(self, **overrides: Any) -> S:
        """The service's settings from the environment (and ``overrides``)."""
        return self.settings(**overrides)

    @asynccontextmanager
    async def runtime(
        self, settings: S | None = None, *, consumer: bool = False
    ) -> AsyncIterator[Runtime[S, T]]:
        """The service's connections and service object, closed at the end (``consumer``:
        of a consumer process, see :class:`Runtime`)."""
        runtime = Runtime(self, settings or self.load_settings(), consumer=consumer)
        try:
            yield runtime
        finally:
            await runtime.aclose()

    def create_app(self, settings: S | None = None) -> FastAPI:
        """The service's HTTP app (its lifespan closes the connections it opened)."""
        return create_service_app(Runtime(self, settings or self.load_settings()))

    def celery(self, settings: S) -> Celery:
        """The service's Celery app: its tasks, the backlog report, the beat schedule."""
        app = create_celery(settings)
        for register in self.tasks:
            register(app, self, settings)
        report = self.task_name("report_backlog")
        consumes, backlog_sql = self.consumes, self.backlog_sql

        # shared=False: a task of this app only (Celery would add it to every app made later).
        @app.task(name=report, shared=False)
        def report_task() -> dict[str, int | None]:
            return aio.run(report_backlog(settings, consumes=consumes, backlog_sql=backlog_sql))

        entries = {"report-backlog": ("report_backlog", settings.report_interval_seconds)}
        entries.update(self.beat(settings) if self.beat else {})
        app.conf.beat_schedule = {
            entry: {"task": self.task_name(task), "schedule": float(every)}
            for entry, (task, every) in entries.items()
        }
        return app

    def cli(self) -> click.Group:
        return service_cli(self)

    def main(self) -> None:
        """The console script ``movierec-<name>``."""
        self.cli()()


#: Decorates a spec's own command to receive the spec: ``def run(spec: ServiceSpec) -> None``.
pass_spec = click.make_pass_decorator(ServiceSpec)


class Runtime(Generic[S, T]):
    """What one process of a service holds: settings, database, Redis, cache, Celery app,
    event emitter and the service object built from them. Nothing connects until used.

    A ``consumer`` process's database connections are not tested before each transaction
    (a round trip per batch: about a tenth of the consumer's throughput): a batch that meets a dead
    connection fails, is handed back to the broker and retried on fresh connections."""

    def __init__(self, spec: ServiceSpec[S, T], settings: S, *, consumer: bool = False) -> None:
        self.spec = spec
        self.settings = settings
        self.database = Database.for_service(settings, pre_ping=not consumer)
        self.redis: redis.Redis = create_redis(settings.redis_url)

    @cached_property
    def cache(self) -> Cache:
        return Cache.for_service(self.redis, self.settings)

    @cached_property
    def celery(self) -> Celery:
        return self.spec.celery(self.settings)

    @cached_property
    def events(self) -> EventEmitter:
        return EventEmitter(
            producer=f"{self.spec.name}@{self.spec.version}",
            exchange=self.settings.events_exchange,
        )

    @cached_property
    def revocations(self) -> Revocations:
        """The ended sessions this process knows (API processes follow them)."""
        return Revocations(
            self.database,
            poll_seconds=self.settings.revocation_poll_seconds,
            retention_seconds=self.settings.revocation_retention_seconds,
        )

    @cached_property
    def service(self) -> T:
        return self.spec.service(self)

    @property
    def task_queue(self) -> str:
        return task_queue_name(self.settings)

    def task(self, short_name: str, *args: Any) -> OutboxMessage:
        """An outbox message that runs this service's task ``short_name`` with ``args``."""
        return task_message(self.celery, self.spec.task_name(short_name), args=args)

    def consumer(self) -> EventConsumer:
        """The service's event consumer (its queue, handlers and database)."""
        if self.spec.handlers is None:
            raise RuntimeError(f"{self.spec.name} consumes no events")
        handlers = self.spec.handlers(self.service)
        kernel = consumer_handlers(self.settings.revocation_retention_seconds)
        return EventConsumer(
            database=self.database,
            amqp_url=self.settings.amqp_url,
            events_exchange=self.settings.events_exchange,
            queue=consumer_queue_name(self.settings),
            handlers=with_kernel_handlers(handlers.events, kernel),
            batch_handlers=dict(handlers.batches),
            batch_size=self.settings.consumer_batch_size,
            linger=self.settings.consumer_linger_seconds,
            queue_type=self.settings.amqp_queue_type,
            retired=list(handlers.retired),
            sweepers=[sweep.sweeper(self.database, self.service) for sweep in self.spec.sweeps],
        )

    async def aclose(self) -> None:
        await self.database.dispose()
        await self.redis.aclose()


def with_kernel_handlers(
    own: Mapping[str, Handler], kernel: Mapping[str, Handler]
) -> dict[str, Handler]:
    """A service's handlers and the kernel's: where both handle a type, the service's runs
    first, then the kernel's, in the same savepoint."""
    merged = dict(own)
    for event_type, kernel_handler in kernel.items():
        service_handler = merged.get(event_type)
        if service_handler is None:
            merged[event_type] = kernel_handler
            continue

        async def both(
            session: AsyncSession, event: Event, first: Handler = service_handler,
            then: Handler = kernel_handler,
        ) -> None:  # fmt: skip
            await first(session, event)
            await then(session, event)

        merged[event_type] = both
    return merged


def service_specs() -> list[ServiceSpec[Any, Any]]:
    """Every installed service's spec, in port order."""
    specs = [ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)]
    for spec in specs:
        if not isinstance(spec, ServiceSpec):
            raise TypeError(f"{ENTRY_POINT_GROUP} entry point is not a ServiceSpec: {spec!r}")
    return sorted(specs, key=lambda s: s.port)


def service_spec(name: str) -> ServiceSpec[Any, Any]:
    for spec in service_specs():
        if spec.name == name:
            return spec
    raise LookupError(f"no installed service named {name!r}")
