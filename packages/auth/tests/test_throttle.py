"""The throttles' counters in PostgreSQL: per subject, atomic, in fixed windows."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text

from movierec_auth.throttle import WindowCounter, purge_ended_windows


def counter(app, window_seconds: int = 60) -> WindowCounter:
    kind = f"test-{uuid.uuid4().hex[:8]}"
    return WindowCounter(app.state.runtime.database, kind=kind, window_seconds=window_seconds)


async def test_counts_per_subject_within_a_window_and_starts_again_after_a_reset(app):
    c = counter(app)
    assert [(await c.increment("a")).count for _ in range(3)] == [1, 2, 3]
    assert (await c.increment("b")).count == 1
    assert 0 < (await c.increment("a")).retry_after <= 60
    async with app.state.runtime.database.transaction() as session:
        await c.reset(session, "a")
    assert (await c.increment("a")).count == 1


async def test_parallel_increments_each_get_their_own_count(app):
    c = counter(app)
    counts = await asyncio.gather(*(c.increment("same") for _ in range(20)))
    assert sorted(x.count for x in counts) == list(range(1, 21))


async def test_an_ended_window_starts_a_new_count_and_is_purged(app):
    c, database = counter(app), app.state.runtime.database
    for _ in range(5):
        await c.increment("a")
    ended = text("UPDATE throttle_window SET window_ends = now() - interval '1 s' WHERE key = :k")
    async with database.engine.begin() as conn:
        await conn.execute(ended, {"k": c.key("a")})
    assert await purge_ended_windows(database) >= 1
    fresh = await c.increment("a")
    assert (fresh.count, 55 < fresh.retry_after <= 60) == (1, True)
    async with database.engine.begin() as conn:
        await conn.execute(ended, {"k": c.key("a")})
    assert (await c.increment("a")).count == 1  # not purged yet: the window ended all the same
