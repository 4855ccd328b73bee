"""Nothing lost at volume: 10,000 user writes from 32 clients while the broker path is cut
for 10 s and a relay and a consumer are SIGKILLed mid-way. Afterwards recs' read model holds
every acknowledged write exactly once (row by row), and every rating summary equals a
recount of the ratings table.
"""

from __future__ import annotations

import asyncio
import random
import uuid

import asyncpg
import httpx
import pytest
import pytest_asyncio

from movierec_testkit import eventually
from movierec_testkit.platform import Platform
from movierec_testkit.proxy import TcpProxy

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
    for service in ("ratings", "history"):
        conn = await asyncpg.connect(platform.database_url(service))
        try:
            await conn.execute(
                "INSERT INTO known_movie SELECT i, 'Movie ' || i FROM generate_series(1, $1) i",
                MOVIES,
            )
        finally:
            await conn.close()
    try:
        yield platform, amqp
    finally:
        await platform.stop()
        amqp.stop()


class Client:
    """One of the 32 clients: its own users (so its writes of one rating are in order)."""

    def __init__(self, token, seed: int) -> None:
        self.rng = random.Random(seed)
        self.users = [uuid.uuid4() for _ in range(USERS_PER_CLIENT)]
        self.headers = {u: token(user_id=u) for u in self.users}
        self.entries: set[tuple[uuid.UUID, uuid.UUID, int]] = set()  # (entry, user, movie)
        self.ratings: dict[tuple[uuid.UUID, int], float | None] = {}  # acknowledged, last
        self.unacknowledged = 0

    async def write(self, ratings: httpx.AsyncClient, history: httpx.AsyncClient) -> None:
        user, movie = self.rng.choice(self.users), self.rng.randint(1, MOVIES)
        headers = self.headers[user]
        try:
            if self.rng.random() < 0.5:
                response = await history.post("/history", json={"movie_id": movie}, headers=headers)
                if response.status_code == 201:
                    self.entries.add((uuid.UUID(response.json()["id"]), user, movie))
                    return
            elif self.rng.random() < 0.1 and self.ratings.get((user, movie)) is not None:
                response = await ratings.delete(f"/ratings/{movie}", headers=headers)
                if response.status_code == 204:
                    self.ratings[(user, movie)] = None
                    return
            else:
                score = self.rng.randint(1, 10) / 2
                response = await ratings.put(
                    f"/ratings/{movie}", json={"score": score}, headers=headers
                )
                if response.status_code in (200, 201):
                    self.ratings[(user, movie)] = score
                    return
        except httpx.HTTPError:
            pass
        # Not acknowledged (the write may still have committed): not counted either way.
        self.unacknowledged += 1
        self.ratings.pop((user, movie), None)


async def rows(url: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


async def test_ten_thousand_writes_through_a_broker_cut_and_killed_processes(platform, token):
    platform, amqp = platform
    clients = [Client(token, seed) for seed in range(CLIENTS)]
    done = 0
    limits = httpx.Limits(max_connections=CLIENTS)
    async with (
        httpx.AsyncClient(base_url=platform.url("ratings"), limits=limits, timeout=30) as ratings,
        httpx.AsyncClient(base_url=platform.url("history"), limits=limits, timeout=30) as history,
    ):

        async def run(client: Client) -> None:
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

    entries = {e for c in clients for e in c.entries}
    expected_ratings = {k: v for c in clients for k, v in c.ratings.items() if v is not None}
    recs, history_db, ratings_db = (
        platform.database_url(s) for s in ("recs", "history", "ratings")
    )

    async def recs_caught_up() -> bool:
        watched = await rows(recs, "SELECT count(*) FROM watch")
        stored = await rows(history_db, "SELECT count(*) FROM watch_entry")
        outbox = await rows(ratings_db, "SELECT count(*) FROM outbox")
        return watched[0][0] == stored[0][0] and outbox[0][0] == 0

    await eventually(recs_caught_up, timeout=120, interval=0.5)
    await asyncio.sleep(2)  # the last rating batches after the last watch batch

    # Watches: recs has exactly the acknowledged entries (and any the history service
    # stored for a write whose answer was lost), each counted once.
    in_history = {
        (r["id"], r["user_id"], r["movie_id"])
        for r in await rows(history_db, "SELECT id, user_id, movie_id FROM watch_entry")
    }
    in_recs = {
        (r["entry_id"], r["user_id"], r["movie_id"])
        for r in await rows(recs, "SELECT entry_id, user_id, movie_id FROM watch")
    }
    assert entries <= in_history
    assert in_recs == in_history
    per_pair: dict[tuple[uuid.UUID, int], int] = {}
    for _, user, movie in in_history:
        per_pair[(user, movie)] = per_pair.get((user, movie), 0) + 1
    counted = {
        (r["user_id"], r["movie_id"]): r["watches"]
        for r in await rows(recs, "SELECT user_id, movie_id, watches FROM interaction")
        if r["watches"]
    }
    assert counted == per_pair  # each watch.added applied exactly once

    # Ratings: recs holds each acknowledged score, row by row.
    stored_ratings = {
        (r["user_id"], r["movie_id"]): float(r["score"])
        for r in await rows(ratings_db, "SELECT user_id, movie_id, score FROM rating")
    }
    for pair, score in expected_ratings.items():
        assert stored_ratings.get(pair) == score, pair
    scored = {
        (r["user_id"], r["movie_id"]): r["score"]
        for r in await rows(recs, "SELECT user_id, movie_id, score FROM interaction")
        if r["score"] is not None
    }
    assert scored == stored_ratings

    # Summaries, recounted by the ratings consumer off the request path, are exact.
    recount = {
        r["movie_id"]: (r["count"], float(r["total"]))
        for r in await rows(
            ratings_db, "SELECT movie_id, count(*), sum(score) AS total FROM rating GROUP BY 1"
        )
    }
    summaries = {
        r["movie_id"]: (r["count"], float(r["total"]))
        for r in await rows(ratings_db, "SELECT movie_id, count, total FROM rating_summary")
        if r["count"]
    }
    assert summaries == recount


async def wait_for_writes(done, n: float) -> None:
    async def reached() -> bool:
        return done() >= n

    await eventually(reached, timeout=600, interval=0.05)
