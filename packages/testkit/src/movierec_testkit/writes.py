"""User writes for no-loss tests, and the proof that nothing was lost or applied twice.

A :class:`WriteClient` writes as its own users (so its writes of one rating are in order)
and remembers what was acknowledged; :func:`assert_nothing_lost` then compares the history,
ratings and recs databases row by row once the pipeline has drained.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from collections.abc import Callable

import asyncpg
import httpx

from movierec_testkit import eventually
from movierec_testkit.platform import Platform


class WriteClient:
    """Watches, ratings and rating removals of a few users of its own, at random."""

    def __init__(self, token: Callable[..., dict[str, str]], seed: int, *, users: int, movies: int):
        self.rng = random.Random(seed)
        self.movies = movies
        self.users = [uuid.uuid4() for _ in range(users)]
        self.headers = {u: token(user_id=u) for u in self.users}
        self.entries: set[tuple[uuid.UUID, uuid.UUID, int]] = set()  # (entry, user, movie)
        self.ratings: dict[tuple[uuid.UUID, int], float | None] = {}  # acknowledged, last
        self.acknowledged = 0
        self.unacknowledged = 0
        #: (monotonic time, status or "timeout"/"error") of every request.
        self.outcomes: list[tuple[float, int | str]] = []
        self.bad_503s = 0  # 503 without Retry-After
        #: Idempotency keys of watches answered 503: none of them may be stored later.
        self.refused_keys: set[str] = set()
        #: The answers of status 500 and up, for a failing test's message.
        self.failures: list[str] = []

    def _record(self, response: httpx.Response) -> int:
        self.outcomes.append((time.monotonic(), response.status_code))
        if response.status_code == 503 and "retry-after" not in response.headers:
            self.bad_503s += 1
        if response.status_code >= 500:
            request = response.request
            detail = response.json().get("detail", "") if response.text.startswith("{") else ""
            path = "/".join("{id}" if p.isdigit() else p for p in request.url.path.split("/"))
            self.failures.append(f"{request.method} {path} {response.status_code} {detail}")
        return response.status_code

    async def write(self, ratings: httpx.AsyncClient, history: httpx.AsyncClient) -> None:
        user, movie = self.rng.choice(self.users), self.rng.randint(1, self.movies)
        headers = self.headers[user]
        try:
            if self.rng.random() < 0.5:
                key = uuid.uuid4().hex
                response = await history.post(
                    "/history",
                    json={"movie_id": movie},
                    headers={**headers, "Idempotency-Key": key},
                )
                if response.status_code == 503:
                    self.refused_keys.add(key)
                if self._record(response) == 201:
                    self.entries.add((uuid.UUID(response.json()["id"]), user, movie))
                    self.acknowledged += 1
                    return
            elif self.rng.random() < 0.1 and self.ratings.get((user, movie)) is not None:
                response = await ratings.delete(f"/ratings/{movie}", headers=headers)
                if self._record(response) == 204:
                    self.ratings[(user, movie)] = None
                    self.acknowledged += 1
                    return
            else:
                score = self.rng.randint(1, 10) / 2
                response = await ratings.put(
                    f"/ratings/{movie}", json={"score": score}, headers=headers
                )
                if self._record(response) in (200, 201):
                    self.ratings[(user, movie)] = score
                    self.acknowledged += 1
                    return
        except httpx.TimeoutException:
            self.outcomes.append((time.monotonic(), "timeout"))
        except httpx.HTTPError:
            self.outcomes.append((time.monotonic(), "error"))
        # Not acknowledged (the write may still have committed): not counted either way.
        self.unacknowledged += 1
        self.ratings.pop((user, movie), None)

    async def read(self, client: httpx.AsyncClient, path: str) -> None:
        """A read as one of its users (outcome recorded only)."""
        try:
            self._record(await client.get(path, headers=self.headers[self.rng.choice(self.users)]))
        except httpx.TimeoutException:
            self.outcomes.append((time.monotonic(), "timeout"))
        except httpx.HTTPError:
            self.outcomes.append((time.monotonic(), "error"))


def tally(clients: list[WriteClient], start: float, end: float) -> Counter[str]:
    """Outcomes between ``start`` and ``end`` by class: 2xx, 4xx, 503, 5xx, timeout, error."""
    counts: Counter[str] = Counter()
    for client in clients:
        for at, outcome in client.outcomes:
            if start <= at < end:
                if isinstance(outcome, str):
                    counts[outcome] += 1
                elif outcome == 503:
                    counts["503"] += 1
                else:
                    counts[f"{outcome // 100}xx"] += 1
    return counts


async def know_movies(platform: Platform, services: tuple[str, ...], count: int) -> None:
    """Movies 1…``count`` known to the user-data ``services``, as if the catalog had
    announced them."""
    for service in services:
        conn = await asyncpg.connect(platform.database_url(service))
        try:
            await conn.execute(
                "INSERT INTO known_movie SELECT i, 'Movie ' || i FROM generate_series(1, $1) i",
                count,
            )
        finally:
            await conn.close()


async def rows(url: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


def _scores(records: list[asyncpg.Record]) -> dict[tuple[uuid.UUID, int], float]:
    return {(r["user_id"], r["movie_id"]): float(r["score"]) for r in records}


async def assert_nothing_lost(platform: Platform, clients: list[WriteClient]) -> None:
    """Once the pipeline drained: every acknowledged write stored with its last value, recs'
    read model equal to the ratings and history tables, every watch applied exactly once,
    every rating summary equal to a recount."""
    recs, history_db, ratings_db = (
        platform.database_url(s) for s in ("recs", "history", "ratings")
    )

    async def recs_caught_up() -> bool:
        watched = await rows(recs, "SELECT count(*) FROM watch")
        stored = await rows(history_db, "SELECT count(*) FROM watch_entry")
        outbox = await rows(ratings_db, "SELECT count(*) FROM outbox")
        return watched[0][0] == stored[0][0] and outbox[0][0] == 0

    await eventually(recs_caught_up, timeout=120, interval=0.5)
    # The last rating batches, and the ratings consumer's summary recount, after that.
    scored_sql = "SELECT user_id, movie_id, score FROM interaction WHERE score IS NOT NULL"
    rating_sql = "SELECT user_id, movie_id, score FROM rating"

    async def ratings_caught_up() -> bool:
        return len(await rows(recs, scored_sql)) == len(await rows(ratings_db, rating_sql))

    await eventually(ratings_caught_up, timeout=60, interval=0.5)

    # Watches: recs has exactly the acknowledged entries (and any the history service
    # stored for a write whose answer was lost), each counted once.
    entries = {e for c in clients for e in c.entries}
    in_history = {
        (r["id"], r["user_id"], r["movie_id"])
        for r in await rows(history_db, "SELECT id, user_id, movie_id FROM watch_entry")
    }
    in_recs = {
        (r["entry_id"], r["user_id"], r["movie_id"])
        for r in await rows(recs, "SELECT entry_id, user_id, movie_id FROM watch")
    }
    assert entries <= in_history, "an acknowledged watch is missing from history"
    refused = {k for c in clients for k in c.refused_keys}
    keys = {r[0] for r in await rows(history_db, "SELECT idempotency_key FROM watch_entry")}
    assert not refused & keys, "a watch answered 503 (not stored) was stored after all"
    assert in_recs == in_history, "recs' watches differ from history's"
    per_pair: Counter[tuple[uuid.UUID, int]] = Counter((u, m) for _, u, m in in_history)
    counted = {
        (r["user_id"], r["movie_id"]): r["watches"]
        for r in await rows(recs, "SELECT user_id, movie_id, watches FROM interaction")
        if r["watches"]
    }
    assert counted == dict(per_pair), "a watch.added was applied twice or not at all"

    # Ratings: each acknowledged score stored with its last value; recs holds them all.
    expected = {k: v for c in clients for k, v in c.ratings.items() if v is not None}
    stored = {
        (r["user_id"], r["movie_id"]): float(r["score"]) for r in await rows(ratings_db, rating_sql)
    }
    lost = {pair: score for pair, score in expected.items() if stored.get(pair) != score}
    assert not lost, f"acknowledged ratings missing or stale: {list(lost.items())[:5]}"
    scored = {
        (r["user_id"], r["movie_id"]): float(r["score"]) for r in await rows(recs, scored_sql)
    }
    assert scored == stored, "recs' scores differ from the ratings table"

    # Summaries, recounted off the request path from the queue the writes fill (the ratings
    # consumer process's sweep), are exact and nothing is left queued.
    recount = {
        r["movie_id"]: (r["count"], float(r["total"]))
        for r in await rows(
            ratings_db, "SELECT movie_id, count(*), sum(score) AS total FROM rating GROUP BY 1"
        )
    }

    async def summaries_exact() -> bool:
        summaries = {
            r["movie_id"]: (r["count"], float(r["total"]))
            for r in await rows(ratings_db, "SELECT movie_id, count, total FROM rating_summary")
            if r["count"]
        }
        queued = await rows(ratings_db, "SELECT count(*) FROM summary_recount")
        return summaries == recount and queued[0][0] == 0

    await eventually(summaries_exact, timeout=30, interval=0.5)
