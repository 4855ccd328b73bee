"""Scratch resources on the real servers for one run (a test process, a bench case):
databases, Redis keys and AMQP names, all named after the run and removed at its end."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aio_pika
import redis.asyncio as redis

from movierec_common.amqp import service_queue_name
from movierec_common.db import drop_database
from movierec_common.migrate import create_and_migrate
from movierec_common.service import ServiceSpec, service_specs
from movierec_common.settings import ServiceSettings, database_url_on

S = TypeVar("S", bound=ServiceSettings)


def new_run_id() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"{uuid.uuid4().hex[:8]}{worker.replace('gw', 'w')}"


@dataclass
class ScratchRun:
    """Names and cleanup of everything one run creates."""

    postgres_url: str = field(
        default_factory=lambda: os.environ.get(
            "MOVIEREC_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432"
        )
    )
    redis_url: str = field(
        default_factory=lambda: os.environ.get("MOVIEREC_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    amqp_url: str = field(
        default_factory=lambda: os.environ.get(
            "MOVIEREC_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"
        )
    )
    run_id: str = field(default_factory=new_run_id)
    databases: list[str] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)
    #: Namespaces besides the run's own that processes of this run used (their service
    #: queues are removed at the end).
    namespaces: set[str] = field(default_factory=set)
    exchanges: list[str] = field(default_factory=list)

    @property
    def namespace(self) -> str:
        """Prefix for Redis keys and queue names of this run."""
        return f"mrt_{self.run_id}"

    @property
    def events_exchange(self) -> str:
        return f"movierec.events.{self.namespace}"

    @property
    def redis_prefix(self) -> str:
        return f"mrt:{self.run_id}"

    def queue(self, name: str) -> str:
        full = f"{self.namespace}.{name}"
        self.queues.append(full)
        return full

    def database_name(self, name: str) -> str:
        return f"mrt_{self.run_id}_{name}"

    def fresh_name(self, name: str) -> str:
        """``name``, or ``name_2``, ``name_3`` … when this run has a database of that name."""
        candidate, n = name, 1
        while self.database_name(candidate) in self.databases:
            n += 1
            candidate = f"{name}_{n}"
        return candidate

    def database_url(self, name: str) -> str:
        return database_url_on(self.postgres_url, self.database_name(name))

    async def create_database(self, name: str, *, migrations: Sequence[Path] = ()) -> str:
        """Create and migrate a database: the kernel's revisions, then those in the folders
        ``migrations`` (a service's: ``spec.version_folders``). Returns its URL."""
        url = self.database_url(name)
        self.databases.append(self.database_name(name))
        await create_and_migrate(url, migrations)
        return url

    async def service_settings(
        self, spec: ServiceSpec[S, Any], *, jwks: Path, name: str | None = None, **extra: Any
    ) -> S:
        """A migrated database of ``spec``'s service (named ``name``, default the service's)
        and its settings pointing at this run's names and keys."""
        own = name or self.fresh_name(spec.name)
        url = await self.create_database(own, migrations=spec.version_folders)
        return self.settings(spec.settings, url, jwks=jwks, **extra)

    def settings(self, cls: type[S], database_url: str, *, jwks: Path, **extra: Any) -> S:
        """Service settings pointing at this run's database, names and keys."""
        values: dict[str, Any] = {
            "database_url": database_url,
            "postgres_url": self.postgres_url,
            "redis_url": self.redis_url,
            "amqp_url": self.amqp_url,
            "events_exchange": self.events_exchange,
            "namespace": self.namespace,
            "jwt_public_keys": jwks,
            "log_json": False,
        }
        return cls(**{**values, **extra})

    @staticmethod
    def env(settings: ServiceSettings, **extra: str) -> dict[str, str]:
        """The environment that gives a child process the same settings."""
        return {
            **os.environ,
            f"MOVIEREC_{settings.service.upper()}_DATABASE_URL": str(settings.database_url),
            "MOVIEREC_POSTGRES_URL": settings.postgres_url,
            "MOVIEREC_REDIS_URL": settings.redis_url,
            "MOVIEREC_AMQP_URL": settings.amqp_url,
            "MOVIEREC_EVENTS_EXCHANGE": settings.events_exchange,
            "MOVIEREC_NAMESPACE": settings.namespace,
            "MOVIEREC_JWT_PUBLIC_KEYS": str(settings.jwt_public_keys),
            "MOVIEREC_LOG_JSON": "false",
            **extra,
        }

    async def cleanup(self) -> None:
        for name in self.databases:
            with contextlib.suppress(Exception):
                await drop_database(self.postgres_url, name)
        client = redis.Redis.from_url(self.redis_url)
        with contextlib.suppress(Exception):
            async for key in client.scan_iter(match=f"{self.redis_prefix}:*", count=1000):
                await client.delete(key)
        with contextlib.suppress(Exception):
            await client.aclose()
        with contextlib.suppress(Exception):
            connection = await aio_pika.connect(self.amqp_url, timeout=5)
            async with connection:
                channel = await connection.channel()
                # Every service's queues in each of this run's namespaces (consumers' event
                # queues, the task queues the relay declares), besides those registered.
                service_queues = {
                    service_queue_name(namespace, spec.name, kind)
                    for namespace in {self.namespace, *self.namespaces}
                    for spec in service_specs()
                    for kind in ("events", "tasks")
                }
                names = {*self.queues, *service_queues}
                for queue in {*names, *(f"{q}.dead" for q in names)}:
                    with contextlib.suppress(Exception):
                        await channel.queue_delete(queue)
                    if channel.is_closed:
                        channel = await connection.channel()
                for exchange in (
                    self.events_exchange,
                    f"{self.events_exchange}.dlx",
                    *self.exchanges,
                ):
                    with contextlib.suppress(Exception):
                        await channel.exchange_delete(exchange)
                    if channel.is_closed:
                        channel = await connection.channel()
