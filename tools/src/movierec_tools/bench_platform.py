"""Bench case of the whole platform as ``movierec up`` runs it: sustained user writes.

The platform's APIs, relays, consumers and workers share the machine with the load, as
users get it. The case needs a running, seeded platform (``movierec up``, in the same
folder and environment): it signs tokens for fresh users with the platform's key, so
every row it writes is its own and can be counted per user afterwards.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

from movierec_common.settings import CommonSettings
from movierec_tools.bench_core import Bench, Result
from movierec_tools.bench_userdata import sign_tokens_with
from movierec_tools.platform import Service, drain_state, services
from movierec_tools.status import read_state
from movierec_tools.up import STATE_FILE, platform_env

#: Seconds of load, connections, distinct users and the popular movies they pick from.
SECONDS = 30.0
CONNECTIONS = 32
USERS = 64
POPULAR = 400
#: How long the backlog may take to drain after the load stops (the case fails after).
DRAIN_TIMEOUT = 120.0


class PlatformNotRunningError(RuntimeError):
    """The case measures a platform that ``movierec up`` runs; none answers here."""


async def _ready(base_urls: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        for name, url in base_urls.items():
            try:
                response = await client.get(f"{url}/readyz")
            except httpx.HTTPError as exc:
                raise PlatformNotRunningError(
                    f"{name} does not answer at {url} ({exc!r}): start the platform with"
                    " `uv run movierec up` first (this case measures it as users get it)"
                ) from exc
            if response.status_code != 200:
                raise PlatformNotRunningError(f"{name} at {url} is not ready: {response.text}")


async def _popular_movies(movies: Service, count: int) -> list[int]:
    conn = await asyncpg.connect(movies.database_url)
    try:
        rows = await conn.fetch(
            "SELECT movie_id FROM movie_stats ORDER BY popularity_raw DESC, movie_id LIMIT $1",
            count,
        )
    finally:
        await conn.close()
    if len(rows) < 10:
        raise PlatformNotRunningError("the catalog has no popularity yet: seed the platform")
    return [r["movie_id"] for r in rows]


def _requests(tokens: list[str], movies: list[int], *, rate: bool, seed: int) -> list[dict]:
    """PUT /ratings (``rate``) or POST /history requests of random users, popular movies
    and scores."""
    rng = random.Random(seed)
    requests = []
    for _ in range(4000):
        headers = {
            "Authorization": f"Bearer {rng.choice(tokens)}",
            "Content-Type": "application/json",
        }
        movie = rng.choice(movies)
        if rate:
            request = {"method": "PUT", "path": f"/ratings/{movie}", "headers": headers}
            requests.append({**request, "json": {"score": rng.randint(1, 10) / 2}})
        else:
            request = {"method": "POST", "path": "/history", "headers": headers}
            requests.append({**request, "json": {"movie_id": movie}})
    return requests


async def _counts(url: str, sql: str, users: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(sql, users)
    finally:
        await conn.close()
    return {r[0]: r[1] for r in rows}


async def _compare_with_recs(
    by_name: dict[str, Service], users: list[uuid.UUID]
) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int], dict[str, int]]:
    """Every stored write (what the APIs acknowledged) in recs' read model, per user: the
    users' watch entries and ratings, and how many of each recs misses (or has extra)."""
    # The read model lags a batch behind an empty queue at most: give it a few seconds.
    missing: dict[str, int] = {}
    deadline = time.monotonic() + 30
    while True:
        watched, watches, rated, ratings = await asyncio.gather(
            _counts(
                by_name["history"].database_url,
                "SELECT user_id, count(*) FROM watch_entry WHERE user_id = ANY($1)"
                " GROUP BY user_id",
                users,
            ),
            _counts(
                by_name["recs"].database_url,
                "SELECT user_id, count(*) FROM watch WHERE user_id = ANY($1) GROUP BY user_id",
                users,
            ),
            _counts(
                by_name["ratings"].database_url,
                "SELECT user_id, count(*) FROM rating WHERE user_id = ANY($1) GROUP BY user_id",
                users,
            ),
            _counts(
                by_name["recs"].database_url,
                "SELECT user_id, count(*) FROM interaction WHERE user_id = ANY($1)"
                " AND score IS NOT NULL GROUP BY user_id",
                users,
            ),
        )
        missing = {
            "watches": sum(abs(watched.get(u, 0) - watches.get(u, 0)) for u in users),
            "ratings": sum(abs(rated.get(u, 0) - ratings.get(u, 0)) for u in users),
        }
        if not any(missing.values()) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    return watched, rated, missing


def _tokens(key: Path, users: list[uuid.UUID]) -> list[str]:
    if not key.is_file():
        raise PlatformNotRunningError(f"no signing key at {key}: run `movierec up` here first")
    return sign_tokens_with(key, users)


async def platform_writes(bench: Bench, settings: CommonSettings) -> Result:
    """Sustained mixed writes against the running platform; the backlog every second;
    the time to drain it; every stored write checked in recs' read model, per user."""
    state_dir = Path(".movierec")
    env = platform_env(state_dir, "WARNING")
    key = Path(env["MOVIEREC_AUTH_SIGNING_KEY"])
    state = read_state(state_dir / STATE_FILE)
    platform = services()
    by_name = {s.name: s for s in platform}
    ports = state.get("ports") or {s.name: s.spec.port for s in platform}
    base_urls = {name: f"http://127.0.0.1:{ports[name]}" for name in ("ratings", "history")}
    await _ready(base_urls)
    movies = await _popular_movies(by_name["movies"], POPULAR)
    users = [uuid.uuid4() for _ in range(USERS)]
    tokens = _tokens(key, users)

    samples: list[tuple[float, int, int]] = []  # (seconds since start, outbox rows, queued)
    started = time.monotonic()
    load_done = asyncio.Event()

    async def sample() -> None:
        while not load_done.is_set():
            drained = await drain_state(settings, platform)
            samples.append((time.monotonic() - started, drained.backlog, drained.queued))
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - started) % 1.0))

    sampler = asyncio.create_task(sample())
    duration, bench.duration = bench.duration, SECONDS
    try:
        # Half the connections each: one load generator per API, at the same time.
        rating, watching = await asyncio.gather(
            bench.http_case(
                "platform: PUT /ratings (with POST /history at once)",
                base_urls["ratings"],
                _requests(tokens, movies, rate=True, seed=1),
                connections=CONNECTIONS // 2,
            ),
            bench.http_case(
                "platform: POST /history (with PUT /ratings at once)",
                base_urls["history"],
                _requests(tokens, movies, rate=False, seed=2),
                connections=CONNECTIONS // 2,
            ),
        )
    finally:
        bench.duration = duration
        load_done.set()
        await sampler
    stopped = time.monotonic()
    while True:
        drained = await drain_state(settings, platform)
        samples.append((time.monotonic() - started, drained.backlog, drained.queued))
        if drained.pending == 0:
            break
        if time.monotonic() - stopped > DRAIN_TIMEOUT:
            raise TimeoutError(f"backlog not drained {DRAIN_TIMEOUT:.0f} s after the load")
        await asyncio.sleep(0.1)
    drain_seconds = time.monotonic() - stopped

    watched, rated, missing = await _compare_with_recs(by_name, users)
    statuses: dict[str, int] = {}
    for part in (rating, watching):
        for code, n in part.extra["statuses"].items():
            statuses[code] = statuses.get(code, 0) + n
    acknowledged = sum(n for code, n in statuses.items() if code in ("200", "201"))
    result = Result(
        case=f"platform: mixed writes, both APIs ({USERS} users, {CONNECTIONS} connections)",
        rps=round(rating.rps + watching.rps, 1),
        p50_ms=max(rating.p50_ms, watching.p50_ms),
        p99_ms=max(rating.p99_ms, watching.p99_ms),
        errors=rating.errors + watching.errors,
        requests=rating.requests + watching.requests,
        extra={"statuses": statuses},
    )
    bench.results.append(result)
    stored = sum(watched.values()) + sum(rated.values())
    peak = max((b + q for _, b, q in samples), default=0)
    under_load = [(t, b, q) for t, b, q in samples if t <= SECONDS]
    half = len(under_load) // 2
    first, second = under_load[:half], under_load[half:]
    growth = max((b + q for _, b, q in second), default=0) - max(
        (b + q for _, b, q in first), default=0
    )
    result.errors += sum(missing.values())
    result.extra.update(
        {
            "backlog_per_second": [(round(t, 1), b, q) for t, b, q in samples],
            "peak_backlog": peak,
            "backlog_growth_second_half": growth,
            "drain_seconds": round(drain_seconds, 2),
            "acknowledged": acknowledged,
            "stored_rows": stored,
            "missing_in_recs": missing,
        }
    )
    result.note = (
        f"statuses {statuses}; backlog (outbox rows + queued) peak {peak}, second half vs"
        f" first {growth:+d}; drained {drain_seconds:.2f} s after the load; recs read model"
        f" vs stored rows per user: {missing['watches']} watches, {missing['ratings']}"
        " ratings missing\n    backlog per second (s, outbox, queued): "
        + " ".join(f"{t:.0f}:{b}/{q}" for t, b, q in samples[:: max(1, len(samples) // 40)])
    )
    return result
