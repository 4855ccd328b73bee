"""Bulk statements from parallel arrays (`unnest`): one bound parameter per column."""

from __future__ import annotations

import uuid

from sqlalchemy import Integer, Text, Uuid, select

from movierec_common.db import unnest


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
