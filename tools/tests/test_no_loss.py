"""Nothing lost at volume: 10,000 user writes from 32 clients while the broker path is cut
for 10 s and a relay and a consumer are SIGKILLed mid-way. Afterwards recs' read model holds
every acknowledged write exactly once (row by row), and every rating summary equals a
recount of the ratings table.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
import pytest_asyncio

from movierec_testkit import eventually
from movierec_testkit.platform import Platform
from movierec_testkit.proxy import TcpProxy
from movierec_testkit.writes import WriteClient, assert_nothing_lost, know_movies

pytestmark = pytest.mark.xdist_group("platform")

WRITES = 10_000
CLIENTS = 32
USERS_PER_CLIENT = 4
MOVIES = 150


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def platform(test_run, signing):
    amqp = TcpProxy.for_url(test_run.amqp_url, 5672).start()
    platform = Platform(
        test_run,
        "noloss",
        roles={
            "ratings": ("api", "relay", "consume"),
            "history": ("api", "relay"),
            "recs": ("consume",),
        },
        jwks=signing["jwks"],
        amqp_url=amqp.url(test_run.amqp_url),
    )
    await platform.start()
    await know_movies(platform, ("ratings", "history"), MOVIES)
    try:
        yield platform, amqp
    finally:
        await platform.stop()
        amqp.stop()


# A guard against hangs, not a performance target: alone it takes 60 s on a fast machine,
# 190 s on a slow one, and longer beside the rest of the suite (pytest -n 2).
@pytest.mark.timeout(900)
async def test_ten_thousand_writes_through_a_broker_cut_and_killed_processes(platform, token):
    platform, amqp = platform
    clients = [
        WriteClient(token, seed, users=USERS_PER_CLIENT, movies=MOVIES) for seed in range(CLIENTS)
    ]
    done = 0
    limits = httpx.Limits(max_connections=CLIENTS)
    async with (
        httpx.AsyncClient(base_url=platform.url("ratings"), limits=limits, timeout=30) as ratings,
        httpx.AsyncClient(base_url=platform.url("history"), limits=limits, timeout=30) as history,
    ):

        async def run(client: WriteClient) -> None:
            nonlocal done
            while done < WRITES:
                done += 1
                await client.write(ratings, history)

        async def chaos() -> None:
            await wait_for_writes(lambda: done, WRITES * 0.2)
            amqp.cut()  # the broker is away for 10 s; the APIs keep taking writes
            await asyncio.sleep(5)
            # Mid-way, a relay and a consumer die without a chance to clean up.
            await platform.process("history", "relay").kill()
            await platform.process("recs", "consume").kill()
            await asyncio.sleep(5)
            amqp.restore()
            await platform.restart("history", "relay")
            await wait_for_writes(lambda: done, WRITES * 0.6)
            await platform.process("recs", "consume").kill()  # again, while it consumes
            await asyncio.sleep(1)
            await platform.restart("recs", "consume")

        await asyncio.gather(chaos(), *(run(c) for c in clients))
    unacknowledged = sum(c.unacknowledged for c in clients)
    assert unacknowledged < WRITES * 0.01, f"{unacknowledged} writes were not acknowledged"

    await assert_nothing_lost(platform, clients)


async def wait_for_writes(done, n: float) -> None:
    async def reached() -> bool:
        return done() >= n

    await eventually(reached, timeout=600, interval=0.05)
