"""Work queued in a service's database is done in batches off the request path: every row
once it commits, none lost when a sweep fails, the consumer process running the sweeps."""

from __future__ import annotations

import asyncio

import pytest_asyncio
from sqlalchemy import func, select, text
from sqlalchemy import table as sql_table

from movierec_common.consumer import EventConsumer
from movierec_common.sweeps import Sweeper, backlog_statement, take_statement
from movierec_testkit import eventually

_TAKE = take_statement("queued", "n")


@pytest_asyncio.fixture(loop_scope="session")
async def queue_db(kernel_db):
    async with kernel_db.transaction() as session:
        await session.execute(text("CREATE TABLE queued (n integer NOT NULL)"))
        await session.execute(text("CREATE TABLE done (n integer NOT NULL)"))
    return kernel_db


async def _queue(db, numbers) -> None:
    async with db.transaction() as session:
        await session.execute(
            text("INSERT INTO queued SELECT unnest(CAST(:n AS integer[]))"), {"n": list(numbers)}
        )


async def _count(db, table: str) -> int:
    async with db.transaction() as session:
        counted = select(func.count()).select_from(sql_table(table))
        return int((await session.execute(counted)).scalar_one())


class Work:
    """Moves the taken values to ``done``; fails while ``failing`` (its rows were taken)."""

    def __init__(self) -> None:
        self.failing = False
        self.batches: list[int] = []

    async def __call__(self, session, taken: list[int]) -> None:
        if self.failing:
            raise RuntimeError("the work failed")
        await session.execute(
            text("INSERT INTO done SELECT unnest(CAST(:n AS integer[]))"), {"n": taken}
        )
        self.batches.append(len(taken))


async def test_a_drain_takes_every_row_in_batches_and_a_failed_batch_leaves_its_rows(queue_db):
    work = Work()
    sweeper = Sweeper(queue_db, "queued", "n", work, batch_size=10)
    await _queue(queue_db, range(25))
    assert await sweeper.drain() == 25
    assert work.batches == [10, 10, 5]
    assert (await _count(queue_db, "queued"), await _count(queue_db, "done")) == (0, 25)

    await _queue(queue_db, range(3))
    work.failing = True
    try:
        await sweeper.drain()
    except RuntimeError:
        pass
    else:
        raise AssertionError("the failing work did not fail")
    # Rolled back: still queued, nothing done.
    assert (await _count(queue_db, "queued"), await _count(queue_db, "done")) == (3, 25)


async def test_two_sweeps_at_once_take_different_rows(queue_db):
    await _queue(queue_db, range(6))
    async with queue_db.transaction() as first:
        taken = list((await first.execute(_TAKE, {"limit": 4})).scalars())
        async with queue_db.transaction() as second:
            others = list((await second.execute(_TAKE, {"limit": 4})).scalars())
    assert len(taken) == 4 and len(others) == 2 and not set(taken) & set(others)


async def test_the_consumer_runs_its_sweepers_and_they_outlive_a_failure(queue_db, test_run):
    work = Work()
    work.failing = True
    sweeper = Sweeper(queue_db, "queued", "n", work, interval=0.01, max_backoff=0.05)
    consumer = EventConsumer(
        database=queue_db,
        amqp_url=test_run.amqp_url,
        events_exchange=test_run.events_exchange,
        queue=test_run.queue("sweeping"),
        handlers={},
        sweepers=[sweeper],
    )
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    await _queue(queue_db, range(5))
    await asyncio.sleep(0.2)  # failing meanwhile: retried, rows kept
    assert await _count(queue_db, "queued") == 5
    work.failing = False

    async def swept() -> bool:
        return await _count(queue_db, "done") == 5

    await eventually(swept, timeout=10)
    await _queue(queue_db, [7])  # and the rows queued later

    async def later_swept() -> bool:
        return await _count(queue_db, "done") == 6

    await eventually(later_swept, timeout=10)
    stop.set()
    await asyncio.wait_for(running, 10)
    assert sweeper.swept == 6


async def test_the_backlog_counts_the_outbox_and_the_queues(queue_db):
    await _queue(queue_db, range(4))
    async with queue_db.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO outbox (exchange, routing_key, message_id, content_type, body)"
                " VALUES ('x', 'k', gen_random_uuid(), 'application/json', '\\x00')"
            )
        )
        found = (await session.execute(text(backlog_statement(["queued"])))).scalar_one()
    assert found == 5
