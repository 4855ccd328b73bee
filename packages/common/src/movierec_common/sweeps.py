"""Work that a service's writes queue in its own database, done in batches off the request
path by the service's consumer process.

A write that changes something many writes share (a movie's rating summary) does not
touch it: in its own transaction it adds a row naming what changed to a queue table of its
database (insert only: concurrent writes wait for nothing). A :class:`Sweeper` takes those
rows in batches (the kernel deletes them: the service declares only the table, the column
its rows name and the work) and does their work in the same transaction, so a crash before
the commit leaves them for the next sweep and nothing is lost. Several sweepers of one
table (replicas) take different rows (``FOR UPDATE SKIP LOCKED``); the work must give
the same result whoever does it and however often (a recount, not an increment).

The sweep polls: after a batch it goes on at once while there is more, otherwise it waits
``interval`` (50 ms), which bounds how stale the shared data gets. An empty poll is one
short transaction. The queue tables count as backlog for ``movierec status`` and the
seeding barrier, like the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import operator
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial, reduce
from typing import Any, Generic, TypeVar

from prometheus_client import Counter
from sqlalchemy import any_, bindparam, column, delete, func, select, table
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningDelete

from movierec_common.db import Database
from movierec_common.logging import get_logger

log = get_logger(__name__)

T = TypeVar("T")

SWEPT = Counter("movierec_sweep_rows_total", "Queued rows whose work was done", ["table"])
SWEEP_ERRORS = Counter("movierec_sweep_errors_total", "Sweeps that failed", ["table"])

#: Does the work of the values taken from the queue (repeats included), in the session's
#: transaction.
Work = Callable[[AsyncSession, list[Any]], Awaitable[None]]


def take_statement(table_name: str, column_name: str) -> ReturningDelete[Any]:
    """Deletes up to ``:limit`` rows of the queue, skipping those another sweep holds, and
    returns their ``column_name`` (a TID scan: ``ctid = ANY(ARRAY(…))``)."""
    queue = table(table_name, column(column_name), column("ctid"))
    picked = select(queue.c.ctid).limit(bindparam("limit")).with_for_update(skip_locked=True)
    return (
        delete(queue)
        .where(queue.c.ctid == any_(func.array(picked.scalar_subquery())))
        .returning(queue.c[column_name])
    )


@dataclass(frozen=True)
class Sweep(Generic[T]):
    """A queue table of a service and the work its rows call for (declared on the spec)."""

    #: The queue table (counted as backlog while it has rows) and the column its rows name.
    table: str
    column: str
    #: ``run(service, session, values)``: see :data:`Work`.
    run: Callable[[T, AsyncSession, list[Any]], Awaitable[None]]

    def sweeper(self, database: Database, service: T, **options: Any) -> Sweeper:
        return Sweeper(database, self.table, self.column, partial(self.run, service), **options)


class Sweeper:
    """Runs one table's work in batches until stopped, surviving database outages."""

    def __init__(
        self,
        database: Database,
        table: str,
        column: str,
        work: Work,
        *,
        batch_size: int = 1000,
        interval: float = 0.05,
        max_backoff: float = 5.0,
    ) -> None:
        self.database = database
        self.table = table
        self.work = work
        self.batch_size = batch_size
        self.interval = interval
        self.max_backoff = max_backoff
        self.swept = 0
        self._take = take_statement(table, column)

    async def sweep(self) -> int:
        """Take one batch and do its work in one transaction (a failure rolls both back);
        how many rows it took."""
        async with self.database.transaction() as session:
            taken = list((await session.execute(self._take, {"limit": self.batch_size})).scalars())
            if taken:
                await self.work(session, taken)
        if taken:
            SWEPT.labels(self.table).inc(len(taken))
            self.swept += len(taken)
        return len(taken)

    async def drain(self) -> int:
        """Sweep until a batch is not full; how many rows were taken."""
        total = 0
        while True:
            taken = await self.sweep()
            total += taken
            if taken < self.batch_size:
                return total

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.05
        while not stop.is_set():
            try:
                await self.drain()
                backoff = 0.05
                wait = self.interval
            except Exception as exc:  # noqa: BLE001 - retried after the backoff
                SWEEP_ERRORS.labels(self.table).inc()
                log.warning("sweep_failed", table=self.table, error=repr(exc), retry_in=backoff)
                wait, backoff = backoff, min(backoff * 2, self.max_backoff)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)


def backlog_statement(tables: Sequence[str]) -> str:
    """SQL counting the rows waiting in the outbox and in the queue ``tables``."""
    counts = [
        select(func.count()).select_from(table(name)).scalar_subquery()
        for name in ("outbox", *tables)
    ]
    total = reduce(operator.add, counts)
    return str(select(total).compile(dialect=postgresql.dialect()))
