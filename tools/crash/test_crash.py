"""The crash suite (CI's own stage: `uv run pytest tools/crash`).

Private PostgreSQL, Redis and RabbitMQ servers (the machine's binaries, own ports and data
folders) carry a platform of real processes — history and ratings (API, relay, consumer)
and recs (API, consumer) — under a paced load of writes and reads. One after another,
PostgreSQL, Redis and RabbitMQ are killed with SIGKILL and started again, then a relay and
a consumer. Then:

* every acknowledged write is stored with its last value, recs' read model equals the
  ratings and history tables, no event was applied twice (``assert_nothing_lost``);
* no client saw a 500 (a 503 with Retry-After while a dependency is down is correct);
* every API is ready again within 5 s of its dependency's return.

A table per fault window (2xx, 4xx, 503, 5xx, timeouts, recovery) is printed and written to
``crash-report.txt`` in the working directory. Recovery: for a server, seconds from its
return until every API's /readyz says it is reachable again; for the relay, until the
outbox is back under 50 rows; for the consumer, until it runs again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest_asyncio

from movierec_testkit import eventually
from movierec_testkit.platform import Platform
from movierec_testkit.servers import PrivatePostgres, PrivateRabbitMQ, PrivateRedis
from movierec_testkit.writes import WriteClient, assert_nothing_lost, know_movies, tally
from movierec_tools.scratch import ScratchRun

CLIENTS = 12
USERS_PER_CLIENT = 3
MOVIES = 150
#: Seconds between two requests of one client (12 clients: about 100 requests/s).
PACE = 0.12
#: How long each part stays dead (PostgreSQL: as long as the outage of the review that
#: found the API frozen for 29 s after it).
DOWN = {"postgres": 14.0}
DOWN_DEFAULT = 3.0
#: Steady load after each recovery, before the next fault.
SETTLE = 3.0
RECOVERY_LIMIT = 5.0
APIS = ("history", "ratings", "recs")
#: The /readyz check of each server.
CHECKS = {"postgres": "database", "redis": "redis", "rabbitmq": "broker"}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def servers():
    base = Path(tempfile.mkdtemp(prefix="movierec-crash-"))
    os.chmod(base, 0o755)  # noqa: S103 - the servers run as their own users, must enter
    made = {
        "postgres": PrivatePostgres(base / "postgres"),
        "redis": PrivateRedis(base / "redis"),
        "rabbitmq": PrivateRabbitMQ(base / "rabbitmq"),
    }
    try:
        await asyncio.gather(*(s.start() for s in made.values()))
        yield made
    finally:
        await asyncio.gather(*(s.stop() for s in made.values()), return_exceptions=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def platform(servers, signing):
    run = ScratchRun(
        postgres_url=servers["postgres"].url,
        redis_url=servers["redis"].url,
        amqp_url=servers["rabbitmq"].url,
    )
    platform = Platform(
        run,
        "crash",
        roles={
            "history": ("api", "relay", "consume"),
            "ratings": ("api", "relay", "consume"),
            "recs": ("api", "consume"),
        },
        jwks=signing["jwks"],
        env={"MOVIEREC_RECS_TRAIN_MIN_INTERVAL_SECONDS": "100000"},
    )
    await platform.start()
    await know_movies(platform, ("ratings", "history"), MOVIES)
    try:
        yield platform
    finally:
        await platform.stop()


@dataclass
class Window:
    fault: str
    start: float
    end: float = 0.0
    recovery: float | None = None


async def _all_ready(platform: Platform, dependency: str | None) -> None:
    """Every API's /readyz is 200 and (``dependency``) reports that dependency ok."""
    async with httpx.AsyncClient(timeout=1) as client:
        while True:
            ready = 0
            for service in APIS:
                with contextlib.suppress(httpx.HTTPError):
                    answer = await client.get(f"{platform.url(service)}/readyz")
                    checks = answer.json().get("checks", {}) if answer.status_code == 200 else {}
                    if answer.status_code == 200 and (
                        dependency is None or checks.get(dependency) == "ok"
                    ):
                        ready += 1
            if ready == len(APIS):
                return
            await asyncio.sleep(0.05)


async def _drained(platform: Platform, service: str) -> None:
    """The service's outbox is nearly empty again (its relay caught up)."""
    url = platform.database_url(service)

    async def caught_up() -> bool:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchval("SELECT count(*) FROM outbox") < 50
        finally:
            await conn.close()

    await eventually(caught_up, timeout=60, interval=0.05)


class Chaos:
    """The paced load and the faults, one after another, each in its window."""

    def __init__(self, platform: Platform, servers: dict, clients: list[WriteClient]) -> None:
        self.platform = platform
        self.servers = servers
        self.clients = clients
        self.stop = asyncio.Event()
        self.windows: list[Window] = []

    async def load(self, client: WriteClient) -> None:
        urls = {s: self.platform.url(s) for s in APIS}
        async with (
            httpx.AsyncClient(base_url=urls["ratings"], timeout=5) as ratings,
            httpx.AsyncClient(base_url=urls["history"], timeout=5) as history,
        ):
            while not self.stop.is_set():
                roll = client.rng.random()
                if roll < 0.05:
                    await client.read(history, "/history?limit=5")
                elif roll < 0.10:
                    await client.read(ratings, "/ratings?limit=5")
                else:
                    await client.write(ratings, history)
                await asyncio.sleep(PACE)

    async def _window(
        self,
        name: str,
        kill: Callable[[], Awaitable[None]],
        start: Callable[[], Awaitable[object]],
        recovered: Callable[[], Awaitable[None]],
    ) -> None:
        window = Window(name, time.monotonic())
        self.windows.append(window)
        await kill()
        await asyncio.sleep(DOWN.get(name, DOWN_DEFAULT))
        await start()
        back = time.monotonic()
        try:
            await asyncio.wait_for(recovered(), 60)
        except TimeoutError:
            logs = self.platform.logs(30)
            raise AssertionError(f"not recovered a minute after {name} returned:\n{logs}") from None
        window.recovery = time.monotonic() - back
        await asyncio.sleep(SETTLE)
        window.end = time.monotonic()

    async def faults(self) -> None:
        platform = self.platform
        baseline = Window("none (baseline)", time.monotonic())
        await asyncio.sleep(SETTLE)
        baseline.end = time.monotonic()
        self.windows.append(baseline)
        for name, server in self.servers.items():
            check = CHECKS[name]
            await self._window(
                name, server.kill, server.start, lambda c=check: _all_ready(platform, c)
            )
        relay, consumer = platform.process("ratings", "relay"), platform.process("recs", "consume")
        await self._window(
            "relay (ratings)", relay.kill, relay.start, lambda: _drained(platform, "ratings")
        )
        await self._window(
            "consumer (recs)", consumer.kill, consumer.start, lambda: _all_ready(platform, None)
        )
        self.stop.set()

    async def run(self) -> list[Window]:
        try:
            await asyncio.gather(self.faults(), *(self.load(c) for c in self.clients))
        finally:
            self.stop.set()
        return self.windows


def _write_report(text: str) -> None:
    print(text)
    Path("crash-report.txt").write_text(text + "\n")


async def test_nothing_is_lost_and_every_api_recovers_when_each_part_is_killed(
    platform, servers, token
):
    clients = [
        WriteClient(token, seed, users=USERS_PER_CLIENT, movies=MOVIES) for seed in range(CLIENTS)
    ]
    windows = await Chaos(platform, servers, clients).run()
    report = _report(clients, windows)
    _write_report(report)

    await assert_nothing_lost(platform, clients)
    totals = tally(clients, 0, float("inf"))
    failures = [f for c in clients for f in c.failures]
    assert totals["5xx"] == 0, f"clients saw a 500:\n{report}\n" + "\n".join(
        f for f in failures if " 503 " not in f
    )
    assert sum(c.bad_503s for c in clients) == 0, "a 503 without Retry-After"
    # APIs after a server's return (a relay's or consumer's "recovery" is its catching up:
    # reported, and the APIs never stopped answering meanwhile).
    slow = [
        w
        for w in windows
        if w.fault in CHECKS and w.recovery is not None and w.recovery > RECOVERY_LIMIT
    ]
    assert not slow, f"recovered later than {RECOVERY_LIMIT} s:\n{report}"


def _report(clients: list[WriteClient], windows: list[Window]) -> str:
    lines = [
        f"{'fault window':<18}{'secs':>6}{'2xx':>7}{'4xx':>6}{'503':>6}{'5xx':>6}"
        f"{'timeout':>9}{'error':>7}{'recovery s':>12}",
    ]
    for w in windows:
        counts = tally(clients, w.start, w.end)
        recovery = "-" if w.recovery is None else f"{w.recovery:.2f}"
        lines.append(
            f"{w.fault:<18}{w.end - w.start:>6.1f}{counts['2xx']:>7}{counts['4xx']:>6}"
            f"{counts['503']:>6}{counts['5xx']:>6}{counts['timeout']:>9}{counts['error']:>7}"
            f"{recovery:>12}"
        )
    acknowledged = sum(c.acknowledged for c in clients)
    unacknowledged = sum(c.unacknowledged for c in clients)
    refused = sum(len(c.refused_keys) for c in clients)
    answers = Counter(f for c in clients for f in c.failures)
    lines += [f"  {n:>5} x {answer}" for answer, n in answers.most_common()]
    lines.append(
        f"writes acknowledged {acknowledged}, not acknowledged {unacknowledged}"
        f" (of which {refused} watches answered 503, none stored later)"
    )
    return "\n".join(lines)
