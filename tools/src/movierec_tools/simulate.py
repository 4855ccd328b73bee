"""`movierec simulate`: MovieLens users replayed as visitors of a running platform.

Each simulated visitor is one user of the folder's ratings.csv, their ratings split at
random into a part they act on and a held-out part that stands for their taste. They sign
up, rate the acted-on part through the ratings API, and then for each session fetch
/recommendations (the default feed: an experiment's variant when one runs), send
impressions of every item shown, click the ones among their held-out favourites (rated
≥ 4) and watch and rate them, and dismiss the ones they rated low (≤ 2). An experiment
of `hybrid` against `popular` is created and started first (unless one is named), and
its results are read at the end.
"""

from __future__ import annotations

import asyncio
import csv
import random
import secrets
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from movierec_common.logging import get_logger

log = get_logger(__name__)

FAVOURITE = 4.0
DISLIKED = 2.0


class SimulationError(RuntimeError):
    pass


@dataclass
class Visitor:
    """A MovieLens user: what they act on, and their held-out taste."""

    source_id: int
    acted: list[tuple[int, float]]
    held_out: dict[int, float]
    email: str = field(default_factory=lambda: f"sim-{uuid.uuid4().hex[:12]}@example.com")
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    token: str = ""
    clicked: set[int] = field(default_factory=set)
    dismissed: set[int] = field(default_factory=set)
    variant: str | None = None
    impressions: int = 0

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def visitors_from(
    ratings_csv: Path, *, users: int, act_on: int, seed: int, known: set[int] | None = None
) -> list[Visitor]:
    """``users`` users with enough ratings, chosen with ``seed``; each acts on up to
    ``act_on`` of 80 % of their ratings and keeps the other 20 % held out."""
    by_user: dict[int, list[tuple[int, float]]] = {}
    with ratings_csv.open(newline="") as f:
        for row in csv.DictReader(f):
            movie = int(row["movieId"])
            if known is None or movie in known:
                by_user.setdefault(int(row["userId"]), []).append((movie, float(row["rating"])))
    rng = random.Random(seed)
    eligible = sorted(u for u, rows in by_user.items() if len(rows) >= 20)
    chosen = rng.sample(eligible, min(users, len(eligible)))
    visitors = []
    for user in chosen:
        rows = by_user[user][:]
        rng.shuffle(rows)
        cut = len(rows) * 4 // 5
        visitors.append(Visitor(user, rows[:cut][:act_on], dict(rows[cut:])))
    return visitors


class Simulation:
    def __init__(self, http: httpx.AsyncClient, *, sessions: int, deadline: float) -> None:
        self.http = http
        self.sessions = sessions
        self.deadline = deadline
        self.errors: list[str] = []

    async def call(
        self, visitor: Visitor | None, method: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        headers = {**(visitor.headers if visitor is not None and visitor.token else {})}
        headers.update(kwargs.pop("headers", {}))
        for attempt in range(3):
            try:
                response = await self.http.request(method, path, headers=headers, **kwargs)
            except httpx.HTTPError as error:
                if attempt == 2:
                    raise SimulationError(f"{method} {path}: {error!r}") from error
                await asyncio.sleep(0.5)
                continue
            if response.status_code >= 500 and attempt < 2:
                await asyncio.sleep(0.5)
                continue
            return response
        raise AssertionError("unreachable")

    async def expect(
        self, visitor: Visitor | None, method: str, path: str, codes: tuple[int, ...], **kwargs: Any
    ) -> httpx.Response:
        response = await self.call(visitor, method, path, **kwargs)
        if response.status_code not in codes:
            raise SimulationError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response

    async def sign_up(self, visitor: Visitor) -> None:
        body = {
            "email": visitor.email,
            "password": visitor.password,
            "first_name": "Simulated",
            "last_name": f"User {visitor.source_id}",
            "favorite_genres": ["Drama"],
        }
        await self.expect(None, "POST", "/auth/register", (201,), json=body)
        login = {"username": visitor.email, "password": visitor.password}
        answer = await self.expect(None, "POST", "/auth/login", (200,), data=login)
        visitor.token = answer.json()["access_token"]

    async def act(self, visitor: Visitor) -> None:
        for movie, score in visitor.acted:
            await self.expect(
                visitor, "PUT", f"/ratings/{movie}", (200, 201), json={"score": score}
            )
        # The recs service has folded the ratings in once its own ranking stops being the
        # cold-start one.
        give_up = time.monotonic() + 30
        while time.monotonic() < give_up:
            page = await self.expect(
                visitor, "GET", "/recommendations", (200,), params={"strategy": "ratings"}
            )
            kinds = {i["reason"]["kind"] for i in page.json()["items"]}
            if not kinds & {"popular", "favorite_genres"}:
                return
            await asyncio.sleep(0.5)
        raise SimulationError(f"the ratings of user {visitor.source_id} never reached recs")

    async def session(self, visitor: Visitor) -> None:
        page = await self.expect(visitor, "GET", "/recommendations", (200,), params={"limit": 10})
        page = page.json()
        visitor.variant = page.get("variant") or page["strategy"]
        rid = page["recommendation_id"]
        shown = [i["movie_id"] for i in page["items"]]
        feedback = [{"recommendation_id": rid, "movie_id": m, "kind": "impression"} for m in shown]
        clicks = [m for m in shown if visitor.held_out.get(m, 0) >= FAVOURITE]
        dislikes = [m for m in shown if 0 < visitor.held_out.get(m, 5) <= DISLIKED]
        feedback += [{"recommendation_id": rid, "movie_id": m, "kind": "click"} for m in clicks]
        feedback += [{"recommendation_id": rid, "movie_id": m, "kind": "dismiss"} for m in dislikes]
        await self.expect(visitor, "POST", "/recommendations/feedback", (200,), json=feedback)
        visitor.impressions += len(shown)
        for movie in clicks:
            visitor.clicked.add(movie)
            await self.expect(
                visitor,
                "POST",
                "/history",
                (201,),
                json={"movie_id": movie},
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            score = visitor.held_out[movie]
            await self.expect(
                visitor, "PUT", f"/ratings/{movie}", (200, 201), json={"score": score}
            )
        visitor.dismissed.update(dislikes)
        # (the next session's page is scored after these reach the recs service)
        await asyncio.sleep(1.0 if clicks or dislikes else 0.2)

    async def run(self, visitor: Visitor) -> None:
        if time.monotonic() > self.deadline:
            return
        try:
            await self.sign_up(visitor)
            await self.act(visitor)
            for _ in range(self.sessions):
                if time.monotonic() > self.deadline:
                    break
                await self.session(visitor)
        except SimulationError as error:
            self.errors.append(str(error))
            log.warning("simulated_visitor_failed", user=visitor.source_id, error=str(error))


async def simulate(
    base_url: str,
    data_dir: Path,
    *,
    admin_email: str,
    admin_password: str,
    users: int = 100,
    act_on: int = 30,
    sessions: int = 3,
    seconds: float = 600.0,
    concurrency: int = 8,
    seed: int = 42,
    experiment_id: int | None = None,
    stop: bool = True,
) -> dict[str, Any]:
    """Run the simulation; the experiment's results as /results gives them, with the
    simulation's own counts under ``"simulation"``."""
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as http:
        admin = Visitor(0, [], {}, email=admin_email, password=admin_password)
        sim = Simulation(http, sessions=sessions, deadline=started + seconds)
        login = {"username": admin_email, "password": admin_password}
        admin.token = (await sim.expect(None, "POST", "/auth/login", (200,), data=login)).json()[
            "access_token"
        ]
        experiments = "/recommendations/experiments"
        if experiment_id is None:
            body = {
                "name": f"simulate hybrid vs popular {time.strftime('%Y-%m-%d %H:%M:%S')}",
                "description": f"movierec simulate: {users} users of {data_dir.name}",
                "variants": [
                    {"name": "popular", "strategy": "popular", "diversity": 0.0},
                    {"name": "hybrid", "strategy": "hybrid", "diversity": 0.1},
                ],
            }
            created = await sim.expect(admin, "POST", experiments, (201,), json=body)
            experiment_id = int(created.json()["experiment_id"])
            await sim.expect(admin, "POST", f"{experiments}/{experiment_id}/start", (200,))
        catalog = await sim.expect(None, "GET", "/recommendations/popular", (200,))
        if not catalog.json()["items"]:
            raise SimulationError("the platform recommends nothing: is a model trained?")
        visitors = visitors_from(data_dir / "ratings.csv", users=users, act_on=act_on, seed=seed)
        gate = asyncio.Semaphore(concurrency)

        async def one(visitor: Visitor) -> None:
            async with gate:
                await sim.run(visitor)

        await asyncio.gather(*(one(v) for v in visitors))
        path = f"{experiments}/{experiment_id}"
        if stop:
            await sim.expect(admin, "POST", f"{path}/stop", (200,))
        results = (await sim.expect(admin, "GET", f"{path}/results", (200,))).json()
    results["simulation"] = {
        "visitors": len(visitors),
        "completed": sum(1 for v in visitors if v.impressions),
        "errors": sim.errors[:10],
        "seconds": round(time.monotonic() - started, 1),
    }
    return results


def format_results(results: dict[str, Any]) -> str:
    """The results as a table: per variant the rates with their 95 % intervals."""

    def cell(metric: dict[str, Any]) -> str:
        if metric["value"] is None:
            return "–"
        if metric["low"] is None:
            return f"{metric['value']:.3f}"
        return f"{metric['value']:.3f} [{metric['low']:.3f}, {metric['high']:.3f}]"

    names = ("click_through_rate", "watch_rate", "rating_rate", "mean_rating")
    lines = [
        f"experiment {results['experiment_id']} {results['name']!r} ({results['status']})",
        "| variant | users | impressions | "
        + " | ".join(n.replace("_", " ") for n in names)
        + " |",
        "|---|---|---|" + "---|" * len(names),
    ]
    for v in results["variants"]:
        cells = " | ".join(cell(v["metrics"][n]) for n in names)
        lines.append(f"| {v['name']} | {v['users']} | {v['impressions']} | {cells} |")
    verdict = results["verdict"]
    p_values = ", ".join(f"{c['variant']}: p = {c['p_value']:.4g}" for c in verdict["comparisons"])
    lines.append(f"verdict ({verdict['method']}, {p_values}): {verdict['text']}")
    sim = results.get("simulation")
    if sim:
        lines.append(
            f"simulated {sim['completed']}/{sim['visitors']} visitors in {sim['seconds']} s"
            + (f"; {len(sim['errors'])} failed: {sim['errors'][0]}" if sim["errors"] else "")
        )
    return "\n".join(lines)
