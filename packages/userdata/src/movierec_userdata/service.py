"""The shape history and ratings share: a service of per-user entries.

:class:`UserDataService` is their base (per-user cached pages keyed by a generation
counter, the purge of a deleted user, the demo import), and :func:`with_user_data` completes the
spec of such a service with what they share: known movies and deleted users from events (the
consumer records the purge task through the outbox), the purge task, the ``import``
command and the ``known_movie`` table.
"""

from __future__ import annotations

import os
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import click
from celery import Celery
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from tqdm import tqdm

from movierec_common import aio
from movierec_common.demo import DemoRating, read_ratings, resolve_data_dir
from movierec_common.errors import AccountDeletedError
from movierec_common.events import Event, UserDeleted
from movierec_common.logging import get_logger
from movierec_common.outbox import record
from movierec_common.pagination import Page, PageParams
from movierec_common.service import Handlers, Runtime, ServiceSpec, pass_spec
from movierec_common.settings import ServiceSettings
from movierec_userdata import known_movies
from movierec_userdata.known_movies import UnknownMovieError
from movierec_userdata.tables import metadata as userdata_metadata
from movierec_userdata.users import lock_user

log = get_logger(__name__)

S = TypeVar("S", bound=ServiceSettings)
U = TypeVar("U", bound="UserDataService")

#: The revisions of the library's tables (every user-data service has them).
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
PURGE_TASK = "purge_user"
#: Entries a purge removes per round.
PURGE_BATCH = 500
#: Outcomes of a write function that changed the user's entries.
WRITTEN = frozenset({"created", "changed", "removed"})


class UserDataService(ABC):
    """A service of per-user entries. Never commits: the caller's transaction does."""

    def __init__(self, runtime: Runtime[Any, Any]) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.database = runtime.database
        self.cache = runtime.cache
        self.events = runtime.events

    # -- what each service does its own way ---------------------------------------------

    @abstractmethod
    async def remove_some(self, session: AsyncSession, *, user_id: uuid.UUID, limit: int) -> int:
        """Remove up to ``limit`` of the user's entries the normal way (with their events);
        how many were removed."""

    @abstractmethod
    async def import_demo(self, session: AsyncSession, *, ratings: list[DemoRating]) -> int:
        """Add the entries of demo ratings not present yet; how many were added."""

    # -- shared --------------------------------------------------------------------------

    def generation_key(self, user_id: uuid.UUID) -> str:
        """The counter every cached page of the user is keyed by."""
        return self.cache.key("user", user_id, "generation")

    def touched(
        self, session: AsyncSession, users: set[uuid.UUID], *, keys: Sequence[str] = ()
    ) -> None:
        """After the commit, the users' cached pages (and ``keys``) are stale."""
        self.cache.invalidate_after_commit(
            session, keys=keys, generations=[self.generation_key(u) for u in users]
        )

    async def write(self, statement: str, *args: Any, user_id: uuid.UUID, movie_id: int) -> Any:
        """Run one of the service's write functions (one round trip, a transaction of its
        own; its first column is the outcome) and return its row. Refuses what the function
        refused; once it wrote, the relay is woken and the user's cached pages are stale."""
        row = await self.database.call(statement, *args)
        if row is None:
            raise RuntimeError(f"{statement!r} returned no row")
        outcome = row[0]
        if outcome == "account_deleted":
            raise AccountDeletedError
        if outcome == "unknown_movie":
            raise UnknownMovieError(movie_id)
        if outcome in WRITTEN:
            await self.database.wake_relay()
            await self.cache.incr(self.generation_key(user_id))
        return row

    async def user_page(
        self,
        user_id: uuid.UUID,
        *key: object,
        page: PageParams,
        load: Callable[[AsyncSession], Awaitable[tuple[Sequence[BaseModel], int]]],
    ) -> bytes:
        """One page of the user's entries as JSON (the list envelope), cached until the
        user's next write; ``key`` tells apart the lists of one user (e.g. a sort)."""
        generation = await self.cache.generation(self.generation_key(user_id))

        async def loader() -> dict[str, Any]:
            async with self.database.transaction() as session:
                items, total = await load(session)
            return Page.of(list(items), total=total, params=page).model_dump(mode="json")

        cache_key = self.cache.key(
            "user", user_id, "list", generation, *key, page.limit, page.offset
        )
        return await self.cache.get_or_set_raw(cache_key, loader)

    async def purge_user(self, session: AsyncSession, *, user_id: uuid.UUID) -> int:
        """Remove every entry of a deleted user the normal way, so every read model
        downstream converges; how many were removed."""
        await lock_user(session, user_id)
        removed = 0
        while n := await self.remove_some(session, user_id=user_id, limit=PURGE_BATCH):
            removed += n
        return removed


# -- the consumer, the purge task -------------------------------------------------------------


def user_data_handlers(service: UserDataService) -> Handlers:
    """Known movies from movie.*; on user.deleted the consumer leaves the user's tombstone
    (writes are refused from that commit on) and records the purge task in the outbox."""

    async def user_deleted(session: AsyncSession, event: Event) -> None:
        data: UserDeleted = event.data()
        await record(session, service.runtime.task(PURGE_TASK, str(data.user_id)))

    return Handlers(
        events={"movie.deleted": known_movies.movie_deleted, "user.deleted": user_deleted},
        batches={"movie.upserted": known_movies.movies_upserted},
    )


async def purge(runtime: Runtime[Any, UserDataService], user_id: uuid.UUID) -> int:
    """The purge task's body: remove every entry of a deleted user, in one transaction."""
    async with runtime.database.transaction() as session:
        removed = await runtime.service.purge_user(session, user_id=user_id)
    log.info("user_purged", service=runtime.spec.name, user_id=str(user_id), removed=removed)
    return removed


def register_purge_task(
    celery: Celery, spec: ServiceSpec[Any, UserDataService], settings: ServiceSettings
) -> None:
    async def run(user_id: uuid.UUID) -> int:
        async with spec.runtime(settings) as runtime:
            return await purge(runtime, user_id)

    @celery.task(name=spec.task_name(PURGE_TASK), shared=False)
    def purge_user(user_id: str) -> int:
        return aio.run(run(uuid.UUID(user_id)))


# -- the demo import ----------------------------------------------------------------------------


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
    service: UserDataService, data_dir: Path, *, batch_size: int, label: str
) -> DemoImportCounts:
    """Feed ratings.csv (known movies only) to the service in batches, one transaction each."""
    path = data_dir / "ratings.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found")
    async with service.database.transaction() as session:
        known = await known_movies.known_movie_ids(session)
    if not known:
        raise LookupError(
            "no known movies yet: import the catalog and let this service consume the movie"
            " events first"
        )
    counts = DemoImportCounts()
    batch: list[DemoRating] = []

    async def flush() -> None:
        async with service.database.transaction() as session:
            counts.created += await service.import_demo(session, ratings=batch)
        bar.update(len(batch))
        batch.clear()

    with tqdm(desc=label, unit="row") as bar:
        for rating in read_ratings(path, counts.problems):
            counts.read += 1
            if rating.movie_id not in known:
                counts.unknown_movie += 1
                continue
            batch.append(rating)
            if len(batch) >= batch_size:
                await flush()
        if batch:
            await flush()
    return counts


def demo_import_command(*, noun: str, help_text: str) -> click.Command:
    """The ``import`` command of a user-data service: ratings.csv through the service."""

    @click.command("import", help=help_text)
    @click.option("--data", "data_dir", type=click.Path(path_type=Path), default=None)
    @click.option("--batch-size", type=click.IntRange(100, 20_000), default=5000, show_default=True)
    @pass_spec
    def command(
        spec: ServiceSpec[Any, UserDataService], data_dir: Path | None, batch_size: int
    ) -> None:
        try:
            folder = resolve_data_dir(data_dir, os.environ.get("MOVIEREC_DATA"))
        except FileNotFoundError as exc:
            raise click.ClickException(str(exc)) from exc

        async def run() -> DemoImportCounts:
            async with spec.runtime(spec.load_settings(db_pool_size=2)) as runtime:
                return await import_demo_ratings(
                    runtime.service, folder, batch_size=batch_size, label=noun
                )

        try:
            counts = aio.run(run())
        except (FileNotFoundError, LookupError) as exc:
            raise click.ClickException(str(exc)) from exc
        for problem in counts.problems:
            click.echo(f"skipped {problem}", err=True)
        click.echo(counts.summary(noun))

    return command


def with_user_data(spec: ServiceSpec[S, U], *, noun: str, import_help: str) -> ServiceSpec[S, U]:
    """``spec`` with what every user-data service has (besides its own handlers): the
    consumer of known movies and deleted users, the purge task, the ``import`` command,
    the ``known_movie`` table and its revision."""
    own = spec.handlers

    def handlers(service: U) -> Handlers:
        shared = user_data_handlers(service)
        if own is None:
            return shared
        mine = own(service)
        return Handlers(
            events={**shared.events, **mine.events},
            batches={**shared.batches, **mine.batches},
            retired=[*shared.retired, *mine.retired],
        )

    return replace(
        spec,
        handlers=handlers,
        tasks=[*spec.tasks, register_purge_task],
        tables=[userdata_metadata, *spec.tables],
        library_migrations=[MIGRATIONS, *spec.library_migrations],
        commands=[*spec.commands, demo_import_command(noun=noun, help_text=import_help)],
    )
