"""The console script of every service.

``movierec-<svc> serve|worker|beat|relay|consume|migrate``;

A service builds its group with :func:`service_cli` and adds its own subcommands.
"""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import click
import uvicorn
from celery import Celery

from movierec_common.celery_app import task_queue_name
from movierec_common.consumer import EventConsumer
from movierec_common.logging import configure_logging, get_logger
from movierec_common.migrations import create_and_migrate
from movierec_common.outbox import OutboxRelay
from movierec_common.settings import DEFAULT_PORTS, ServiceSettings

log = get_logger(__name__)


def run_until_signalled(main: Callable[[asyncio.Event], Coroutine[Any, Any, None]]) -> None:
    """Run ``main(stop)`` until SIGINT/SIGTERM sets ``stop``; exits cleanly."""

    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)

    asyncio.run(runner())


def service_cli(
    *,
    service: str,
    version: str,
    settings_factory: Callable[[], ServiceSettings],
    app_factory: str,
    celery_app: Celery,
    migrations_dir: Path,
    consumer_factory: Callable[[ServiceSettings], EventConsumer] | None = None,
) -> click.Group:
    """The standard command group of a service.

    ``app_factory`` is an import string (``"movierec_auth.app:create_app"``) so uvicorn can
    load it in each worker process.
    """

    @click.group(help=f"movierec {service} service ({version}).")
    @click.version_option(version, prog_name=f"movierec-{service}")
    def group() -> None:
        settings = settings_factory()
        configure_logging(settings.log_level, json=settings.log_json)

    @group.command(help="Serve the HTTP API.")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", type=int, default=DEFAULT_PORTS.get(service, 8000), show_default=True)
    @click.option("--workers", type=int, default=1, show_default=True)
    def serve(host: str, port: int, workers: int) -> None:
        uvicorn.run(
            app_factory,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=10,
        )

    @group.command(
        help="Create the database if needed, apply all migrations, declare the event queue."
    )
    def migrate() -> None:
        settings = settings_factory()
        asyncio.run(create_and_migrate(migrations_dir, settings.resolved_database_url))
        click.echo(f"movierec-{service}: database migrated")
        if consumer_factory is not None:
            consumer = consumer_factory(settings)
            asyncio.run(consumer.declare_queue())
            click.echo(f"movierec-{service}: queue {consumer.queue_name} declared")

    @group.command(help="Publish the outbox to RabbitMQ (LISTEN/NOTIFY + sweep).")
    def relay() -> None:
        settings = settings_factory()
        relay = OutboxRelay(
            settings.resolved_database_url,
            settings.amqp_url,
            events_exchange=settings.events_exchange,
            name=f"{service}-relay",
        )
        run_until_signalled(relay.run)

    @group.command(help="Run the Celery worker of this service.")
    @click.option("--concurrency", type=int, default=2, show_default=True)
    def worker(concurrency: int) -> None:
        settings = settings_factory()
        app = celery_app
        app.worker_main(
            [
                "worker",
                f"--loglevel={settings.log_level}",
                f"--queues={task_queue_name(settings)}",
                f"--concurrency={concurrency}",
                # Unique per process: the node name keys Celery's exclusive remote-control
                # queue, and two workers of one service on a host (two platforms, or a
                # restart before the broker dropped the old connection) must not collide.
                f"--hostname={settings.namespace}.{service}.{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
            ]
        )

    @group.command(help="Run Celery beat (one replica per service).")
    def beat() -> None:
        settings = settings_factory()
        app = celery_app
        schedule = Path(tempfile.gettempdir()) / f"movierec-{service}-beat-schedule"
        app.start(["beat", f"--loglevel={settings.log_level}", f"--schedule={schedule}"])

    if consumer_factory is not None:

        @group.command(help="Consume the domain events this service needs.")
        def consume() -> None:
            settings = settings_factory()
            consumer = consumer_factory(settings)
            run_until_signalled(consumer.run)

    return group
