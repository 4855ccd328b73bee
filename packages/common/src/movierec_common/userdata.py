"""What history and ratings share as services holding users' data: known movies and
deleted users from events, the purge task, the backlog report and the demo import loop.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import click
from celery import Celery
from sqlalchemy.ext.asyncio import AsyncSession
from tqdm import tqdm

from movierec_common.cache import create_redis
from movierec_common.celery_app import task_queue_name
from movierec_common.consumer import EventConsumer, Handler
from movierec_common.db import Database, oneoff_transaction
from movierec_common.demo import DemoRating, read_ratings, resolve_data_dir
from movierec_common.events import Event, UserDeleted
from movierec_common.known_movies import KNOWN_MOVIE_HANDLERS, known_movie_ids
from movierec_common.logging import get_logger
from movierec_common.maintenance import report_backlog
from movierec_common.outbox import record, task_message
from movierec_common.settings import ServiceSettings

log = get_logger(__name__)


class PurgingService(Protocol):
    async def purge_user(self, session: AsyncSession, user_id: uuid.UUID) -> int: ...


def purge_task_name(settings: ServiceSettings) -> str:
    return f"movierec_{settings.service}.purge_user"


def user_data_consumer(
    settings: ServiceSettings, *, database: Database, celery_app: Celery
) -> EventConsumer:
    """Known movies from movie.*; on user.deleted the consumer leaves the user's tombstone
    (writes are refused from that commit on) and dispatches the purge through the outbox."""

    async def user_deleted(session: AsyncSession, event: Event) -> None:
        data: UserDeleted = event.data()
        message = task_message(
            celery_app,
            purge_task_name(settings),
            args=[str(data.user_id)],
            queue=task_queue_name(settings),
        )
        await record(session, message)

    handlers: dict[str, Handler] = {**KNOWN_MOVIE_HANDLERS, "user.deleted": user_deleted}
    return EventConsumer.for_service(settings, database=database, handlers=handlers)


async def purge(settings: ServiceSettings, service: PurgingService, user_id: uuid.UUID) -> int:
    """The purge task's body: remove every entry of a deleted user the normal way."""
    async with oneoff_transaction(settings.resolved_database_url) as session:
        removed = await service.purge_user(session, user_id)
    log.info("user_purged", service=settings.service, user_id=str(user_id), removed=removed)
    return removed


def register_user_data_tasks(
    celery_app: Celery,
    settings: ServiceSettings,
    run_purge: Callable[[uuid.UUID], Awaitable[int]],
) -> None:
    """The purge task and the beat job reporting outbox backlog and dead letters."""

    @celery_app.task(name=purge_task_name(settings))
    def purge_user(user_id: str) -> int:
        return asyncio.run(run_purge(uuid.UUID(user_id)))

    @celery_app.task(name=f"movierec_{settings.service}.report_backlog")
    def report() -> dict:
        return asyncio.run(report_backlog(settings, consumes=True))


def backlog_beat_schedule(settings: ServiceSettings, every_seconds: float) -> dict[str, Any]:
    """Beat entry for the backlog report (set on the app in worker.py, which beat loads)."""
    return {
        "report-backlog": {
            "task": f"movierec_{settings.service}.report_backlog",
            "schedule": every_seconds,
        }
    }


@dataclass
class DemoImportCounts:
    read: int = 0
    created: int = 0
    unknown_movie: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def already_present(self) -> int:
        return self.read - self.created - self.unknown_movie

    def summary(self, noun: str) -> str:
        return (
            f"{noun}: {self.read} read, {self.created} created, {self.already_present} already"
            f" present, {self.unknown_movie} for unknown movies, {len(self.problems)} malformed"
        )


async def import_demo_ratings(
    database: Database,
    data_dir: Path,
    *,
    to_row: Callable[[DemoRating], dict[str, Any]],
    apply: Callable[[AsyncSession, list[dict[str, Any]]], Awaitable[int]],
    batch_size: int,
    label: str,
) -> DemoImportCounts:
    """Feed ratings.csv (known movies only) to ``apply`` in batches, one transaction each."""
    path = data_dir / "ratings.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found")
    async with database.transaction() as session:
        known = await known_movie_ids(session)
    if not known:
        raise LookupError(
            "no known movies yet: import the catalog and let this service consume the movie"
            " events first"
        )
    counts = DemoImportCounts()
    batch: list[dict[str, Any]] = []
    with tqdm(desc=label, unit="row") as bar:
        for rating in read_ratings(path, counts.problems):
            counts.read += 1
            if rating.movie_id not in known:
                counts.unknown_movie += 1
                continue
            batch.append(to_row(rating))
            if len(batch) >= batch_size:
                async with database.transaction() as session:
                    counts.created += await apply(session, batch)
                bar.update(len(batch))
                batch = []
        if batch:
            async with database.transaction() as session:
                counts.created += await apply(session, batch)
            bar.update(len(batch))
    return counts


def demo_import_command(
    *,
    settings_factory: Callable[[], ServiceSettings],
    service_factory: Callable[[ServiceSettings, Any], Any],
    to_row: Callable[[DemoRating], dict[str, Any]],
    apply: str,
    noun: str,
    help_text: str,
) -> click.Command:
    """The ``import`` command of a user-data service: ratings.csv through ``service.<apply>``."""

    @click.command("import", help=help_text)
    @click.option("--data", "data_dir", type=click.Path(path_type=Path), default=None)
    @click.option("--batch-size", type=click.IntRange(100, 20_000), default=5000, show_default=True)
    def command(data_dir: Path | None, batch_size: int) -> None:
        settings = settings_factory()
        try:
            folder = resolve_data_dir(data_dir, os.environ.get("MOVIEREC_DATA"))
        except FileNotFoundError as exc:
            raise click.ClickException(str(exc)) from exc

        async def run() -> DemoImportCounts:
            redis_client = create_redis(settings.redis_url)
            database = Database.for_service(settings, pool_size=2)
            service = service_factory(settings, redis_client)
            try:
                return await import_demo_ratings(
                    database,
                    folder,
                    to_row=to_row,
                    apply=getattr(service, apply),
                    batch_size=batch_size,
                    label=noun,
                )
            finally:
                await database.dispose()
                await redis_client.aclose()

        try:
            counts = asyncio.run(run())
        except (FileNotFoundError, LookupError) as exc:
            raise click.ClickException(str(exc)) from exc
        for problem in counts.problems:
            click.echo(f"skipped {problem}", err=True)
        click.echo(counts.summary(noun))

    return command
