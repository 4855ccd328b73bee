"""Bulk statements from parallel arrays (`unnest`): one bound parameter per column."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import Integer, Text, Uuid, select, text

from movierec_common.db import Database, unnest


async def test_unnest_gives_rows_of_parallel_arrays(kernel_db):
    ids = [uuid.uuid4(), uuid.uuid4()]
    rows = unnest(id=(Uuid(), ids), n=(Integer(), [1, 2]), name=(Text(), ["a", "b"]))
    statement = select(rows.c.id, rows.c.n, rows.c.name).order_by(rows.c.n)
    assert str(statement).count("unnest(") == 1
    async with kernel_db.transaction() as session:
        found = (await session.execute(statement)).all()
    assert [tuple(r) for r in found] == [(ids[0], 1, "a"), (ids[1], 2, "b")]


async def test_unnest_of_empty_arrays_gives_no_rows(kernel_db):
    rows = unnest(n=(Integer(), []))
    async with kernel_db.transaction() as session:
        assert (await session.execute(select(rows.c.n))).all() == []


async def test_ping_answers_within_its_timeout_whatever_the_pool_does(test_run):
    """Readiness probes call ping: with every pooled connection busy (as after an outage,
    when requests hold stale ones) it says "not ready" in time instead of waiting for the
    pool (30 s)."""
    url = await test_run.create_database("ping_bounded")
    database = Database(url, pool_size=1, max_overflow=0)
    try:
        async with database.engine.connect() as busy:
            await busy.execute(text("SELECT 1"))
            started = time.monotonic()
            assert await database.ping(timeout=0.5) is False
            assert time.monotonic() - started < 3
        assert await database.ping(timeout=2) is True
    finally:
        await database.dispose()
