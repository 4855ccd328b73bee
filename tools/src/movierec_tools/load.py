"""A steady load of synthetic users through the edge, for failure drills (``movierec load``).

Each user signs up, logs in and then, until the load stops, browses the catalog, rates a
movie it has not rated, logs a watch and asks for its recommendations, with a pause between
rounds. Every request's outcome is kept. A client may know several edge addresses (one per
node, as a name with several A records gives a browser): when one refuses or does not
answer the connection, the request goes to the next at once, as browsers do.

The drill appends its windows to a file while the load runs, one per line:
``<name> <start> <end>`` in epoch seconds. When the load stops (SIGINT, SIGTERM or its
duration), it reports per window the requests, the failed ones (5xx, timeouts, connection
errors after every address was tried) and the longest gap without a successful answer,
then checks every acknowledged write: each rating with its score and each watch by its id
must be stored (read back through the APIs).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import secrets
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

#: Seconds between two rounds of one user (20 users: about 35 requests/s, below the edge's
#: limit per client address, 50/s: the load comes from one address).
PACE = 2.0
#: Movies the users act on: the catalog's most popular.
MOVIES = 300
#: A request that has not answered in this long has failed (connecting: per address).
TIMEOUT = httpx.Timeout(10.0, connect=2.0)
#: Access tokens live 15 minutes: a 401 means "log in again", not a failure.
RELOGIN = 401
#: Users whose writes are read back at once when the load stops.
READERS = 5


#: What became of a request: answered, failed (5xx, timeout, no connection) or refused for
#: the client's rate (429: neither the platform's success nor its failure).
OK, FAILED, THROTTLED = "ok", "failed", "throttled"


@dataclass
class Outcome:
    at: float  # epoch seconds when the answer (or the failure) came
    kind: str  # OK, FAILED or THROTTLED
    what: str  # "GET /movies 200", "PUT /ratings timeout", …


def outcome_of(label: str, response: httpx.Response) -> Outcome:
    status = response.status_code
    if status == 429:
        return Outcome(time.time(), THROTTLED, f"{label} 429")
    if status < 500:
        return Outcome(time.time(), OK, f"{label} {status}")
    detail = ""
    if response.headers.get("content-type", "").endswith("json"):
        detail = str(response.json().get("detail", ""))[:70]
    return Outcome(time.time(), FAILED, f"{label} {status} {detail}".rstrip())


@dataclass
class Window:
    name: str
    start: float
    end: float


class Edges:
    """The edge addresses, tried in turn from the last one that answered."""

    def __init__(self, urls: list[str], http: httpx.AsyncClient) -> None:
        self.urls = [u.rstrip("/") for u in urls]
        self.http = http
        self.current = 0

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        last: Exception | None = None
        for attempt in range(len(self.urls)):
            index = (self.current + attempt) % len(self.urls)
            try:
                response = await self.http.request(method, self.urls[index] + path, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                last = error
                continue
            self.current = index
            return response
        assert last is not None
        raise last


@dataclass
class User:
    edges: Edges
    movies: list[int]
    rng: random.Random
    email: str = field(default_factory=lambda: f"load-{uuid.uuid4().hex[:12]}@example.com")
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    token: str = ""
    outcomes: list[Outcome] = field(default_factory=list)
    ratings: dict[int, float] = field(default_factory=dict)  # acknowledged
    watches: set[str] = field(default_factory=set)  # acknowledged entry ids
    relogins: int = 0

    async def call(
        self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response | None:
        """The answer, or None when the request failed; the outcome is recorded either way."""
        label = f"{method} {path.split('?', maxsplit=1)[0].rstrip('0123456789')}"
        for _ in range(2):
            sent = {**(headers or {})}
            if self.token:
                sent["Authorization"] = f"Bearer {self.token}"
            try:
                response = await self.edges.request(method, path, headers=sent, **kwargs)
            except httpx.TimeoutException:
                self.outcomes.append(Outcome(time.time(), FAILED, f"{label} timeout"))
                return None
            except httpx.HTTPError as error:
                failure = f"{label} {type(error).__name__}"
                self.outcomes.append(Outcome(time.time(), FAILED, failure))
                return None
            if response.status_code == RELOGIN and self.token:
                self.relogins += 1
                await self.login()
                continue
            self.outcomes.append(outcome_of(label, response))
            return response
        return None

    async def login(self) -> None:
        self.token = ""
        response = await self.call(
            "POST", "/auth/login", data={"username": self.email, "password": self.password}
        )
        if response is not None and response.status_code == 200:
            self.token = response.json()["access_token"]

    async def sign_up(self, stop: asyncio.Event) -> None:
        body = {
            "email": self.email,
            "password": self.password,
            "first_name": "Load",
            "last_name": "Tester",
            "favorite_genres": ["Drama"],
        }
        while not stop.is_set():
            response = await self.call("POST", "/auth/register", json=body)
            if response is not None and response.status_code in (201, 409):
                break
            await asyncio.sleep(1)
        while not self.token and not stop.is_set():
            await self.login()
            if not self.token:
                await asyncio.sleep(1)

    async def round(self) -> None:
        await self.call("GET", f"/movies?sort=popularity&limit=10&offset={self.rng.randrange(50)}")
        unrated = [m for m in self.movies if m not in self.ratings]
        if unrated:
            movie, score = self.rng.choice(unrated), self.rng.randint(1, 10) / 2
            answer = await self.call("PUT", f"/ratings/{movie}", json={"score": score})
            if answer is not None and answer.status_code in (200, 201):
                self.ratings[movie] = score
        # A new key per watch: each acknowledged one is a new entry.
        answer = await self.call(
            "POST",
            "/history",
            json={"movie_id": self.rng.choice(self.movies)},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        if answer is not None and answer.status_code == 201:
            self.watches.add(answer.json()["id"])
        await self.call("GET", "/recommendations?limit=10")

    async def run(self, stop: asyncio.Event) -> None:
        # Users start and pause at random: in step, their rounds would arrive as bursts.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), self.rng.uniform(0, PACE * 3))
        await self.sign_up(stop)
        while not stop.is_set():
            await self.round()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.rng.uniform(0.5, 1.5) * PACE)

    async def stored(self) -> tuple[dict[int, float], set[str]]:
        """What the APIs hold for this user: ratings by movie, watch entry ids."""
        ratings = {i["movie_id"]: i["score"] for i in await self._every("/ratings")}
        watches = {i["id"] for i in await self._every("/history")}
        return ratings, watches

    async def _every(self, path: str) -> list[dict[str, Any]]:
        """Every item of a paged list."""
        items: list[dict[str, Any]] = []
        while True:
            page = await self._read(f"{path}?limit=100&offset={len(items)}")
            items += page["items"]
            if not page["items"] or len(items) >= page["total"]:
                return items

    async def _read(self, path: str) -> dict[str, Any]:
        """A page, waiting out the edge's rate limit and brief failures."""
        for _ in range(10):
            response = await self.call("GET", path)
            if response is not None and response.status_code == 200:
                return dict(response.json())
            retry = response.headers.get("retry-after", "1") if response is not None else "1"
            await asyncio.sleep(min(5.0, float(retry) if retry.isdigit() else 1.0))
        raise LoadError(f"{self.email}: GET {path} failed while checking")


class LoadError(AssertionError):
    pass


def read_windows(path: Path | None) -> list[Window]:
    if path is None or not path.exists():
        return []
    windows = []
    for line in path.read_text().splitlines():
        if line.strip():
            name, start, end = line.rsplit(maxsplit=2)
            windows.append(Window(name, float(start), float(end)))
    return windows


def window_report(outcomes: list[Outcome], window: Window) -> dict[str, Any]:
    """Requests, failed ones and the longest time without a successful answer in a window."""
    inside = sorted((o for o in outcomes if window.start <= o.at <= window.end), key=lambda o: o.at)
    marks = [window.start, *(o.at for o in inside if o.kind == OK), window.end]
    failed = Counter(o.what for o in inside if o.kind == FAILED)
    gap_start, gap_end = max(itertools.pairwise(marks), key=lambda pair: pair[1] - pair[0])
    return {
        "window": window.name,
        "seconds": round(window.end - window.start, 1),
        "requests": len(inside),
        "failed": sum(failed.values()),
        "throttled": sum(o.kind == THROTTLED for o in inside),
        "longest_gap_s": round(gap_end - gap_start, 2),
        # Where it lies: seconds after the window's start.
        "longest_gap_from_s": round(gap_start - window.start, 2),
        "failures": dict(failed),
    }


async def popular_movies(edges: Edges) -> list[int]:
    movies: list[int] = []
    while len(movies) < MOVIES:
        path = f"/movies?sort=popularity&limit=100&offset={len(movies)}"
        try:
            response = await edges.request("GET", path)
        except httpx.HTTPError:
            response = None
        if response is None or response.status_code >= 500 or response.status_code == 429:
            await asyncio.sleep(1)
            continue
        response.raise_for_status()
        items = response.json()["items"]
        if not items:
            break
        movies += [m["id"] for m in items]
    if not movies:
        raise LoadError("the catalog is empty")
    return movies


async def run_load(
    urls: list[str],
    *,
    users: int,
    duration: float | None,
    windows: Path | None,
) -> dict[str, Any]:
    """Run until SIGINT/SIGTERM or ``duration``; the report (its ``missing``: acknowledged
    writes not read back)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    limits = httpx.Limits(max_connections=users * 2)
    async with httpx.AsyncClient(timeout=TIMEOUT, limits=limits) as http:
        movies = await popular_movies(Edges(urls, http))
        crowd = [User(Edges(urls, http), movies, random.Random(i)) for i in range(users)]
        started = time.time()
        tasks = [asyncio.create_task(u.run(stop)) for u in crowd]
        try:
            await asyncio.wait_for(stop.wait(), duration)
        except TimeoutError:
            stop.set()
        await asyncio.gather(*tasks)
        ended = time.time()
        outcomes = [o for u in crowd for o in u.outcomes]
        report: dict[str, Any] = {
            "users": users,
            "seconds": round(ended - started, 1),
            "windows": [
                window_report(outcomes, w)
                for w in [Window("whole run", started, ended), *read_windows(windows)]
            ],
            "relogins": sum(u.relogins for u in crowd),
            "ratings_acknowledged": sum(len(u.ratings) for u in crowd),
            "watches_acknowledged": sum(len(u.watches) for u in crowd),
        }
        # Read back a few users at a time: one by one, 20 users whose reads keep failing
        # took longer than the drills around the load allow.
        reading = asyncio.Semaphore(READERS)

        async def unstored(user: User) -> list[str]:
            async with reading:
                try:
                    ratings, watches = await user.stored()
                except LoadError as error:
                    return [str(error)]
            return [
                f"{user.email} rating {m}={s} (stored {ratings.get(m)})"
                for m, s in user.ratings.items()
                if ratings.get(m) != s
            ] + [f"{user.email} watch {w}" for w in user.watches - watches]

        checked = await asyncio.gather(*(unstored(u) for u in crowd if u.token))
        report["missing"] = [line for lines in checked for line in lines]
    return report


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"{report['users']} users for {report['seconds']} s;"
        f" acknowledged {report['ratings_acknowledged']} ratings,"
        f" {report['watches_acknowledged']} watches; {report['relogins']} logins renewed",
        f"{'window':<34}{'secs':>7}{'requests':>10}{'failed':>8}{'429':>6}{'longest gap s':>15}"
        f"{'from s':>8}",
    ]
    for w in report["windows"]:
        lines.append(
            f"{w['window']:<34}{w['seconds']:>7}{w['requests']:>10}{w['failed']:>8}"
            f"{w['throttled']:>6}{w['longest_gap_s']:>15}{w['longest_gap_from_s']:>8}"
        )
        lines += [f"    {n:>5} x {what}" for what, n in sorted(w["failures"].items())]
    missing = report["missing"]
    lines.append(
        "every acknowledged write is stored"
        if not missing
        else f"{len(missing)} acknowledged writes missing: " + "; ".join(missing[:10])
    )
    return "\n".join(lines)


def write_report(report: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(report, indent=2) + "\n")
