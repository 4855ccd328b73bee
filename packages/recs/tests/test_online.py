"""Recommendation ids, feedback, attribution and experiments (online.*)."""

from __future__ import annotations

import asyncio
import math
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import text

from movierec_common.events import RatingSet, WatchAdded
from movierec_recs.online.experiments import bucket
from movierec_recs.online.stats import MIN_USERS, Z95, Arm, msprt_p_value, ratio, verdict
from movierec_testkit import eventually


def fan_of(world: dict, genre: str, n: int) -> uuid.UUID:
    return world["fans"][genre][n]


async def served(client, headers, **params) -> dict:
    response = await client.get("/recommendations", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def feedback_rows(runtime, user: uuid.UUID) -> list[tuple[int, str]]:
    async with runtime.database.transaction() as session:
        rows = await session.execute(
            text("SELECT movie_id, kind FROM feedback WHERE user_id = :u ORDER BY 1, 2"),
            {"u": user},
        )
        return [(r.movie_id, r.kind) for r in rows]


# -- pure parts ----------------------------------------------------------------------------


def test_a_user_gets_the_same_variant_in_every_process():
    users = [uuid.UUID(int=n * 7919) for n in range(300)]
    here = [bucket(3, u, [1.0, 1.0, 2.0]) for u in users]
    program = (
        "import sys, uuid; from movierec_recs.online.experiments import bucket;"
        "print(','.join(str(bucket(3, uuid.UUID(int=n * 7919), [1.0, 1.0, 2.0]))"
        " for n in range(300)))"
    )
    there = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert there == ",".join(map(str, here))
    # Split by the weights (1:1:2), and another experiment buckets independently.
    shares = np.bincount(here, minlength=3) / len(here)
    assert abs(shares[2] - 0.5) < 0.1 and abs(shares[0] - 0.25) < 0.08
    other = [bucket(4, u, [1.0, 1.0, 2.0]) for u in users]
    assert other != here


def test_the_interval_of_a_rate_with_one_impression_per_user_is_the_binomial_one():
    clicks = np.array([1.0] * 30 + [0.0] * 70)
    estimate = ratio(clicks, np.ones(100))
    # One impression each: the delta method reduces to p ± z √(p(1 − p) / (n − 1)).
    half = Z95 * math.sqrt(0.3 * 0.7 / 99)
    assert estimate.value == pytest.approx(0.3)
    assert estimate.low == pytest.approx(0.3 - half) and estimate.high == pytest.approx(0.3 + half)
    # Users without impressions do not count; none at all: no estimate.
    assert ratio(np.array([1.0, 0.0]), np.array([2.0, 0.0])).value == 0.5
    assert ratio(np.array([]), np.array([])).value is None


def test_the_sequential_test_against_known_values():
    # Λ = √(V/(V+τ²)) exp(τ²d²/(2V(V+τ²))): no difference never rejects...
    assert msprt_p_value(0.0, 0.0004, scale=0.02) == 1.0
    # ...a difference of 5 standard errors does: V = 1e-4, τ = 0.02, d = 0.05.
    v, tau2, d = 1e-4, 4e-4, 0.05
    expected = 1 / (math.sqrt(v / (v + tau2)) * math.exp(tau2 * d * d / (2 * v * (v + tau2))))
    assert msprt_p_value(d, v, scale=0.02) == pytest.approx(expected)
    assert expected < 0.001
    # and it is stricter than a fixed-horizon z-test at the same data (2 standard errors).
    assert msprt_p_value(0.02, v, scale=0.02) > 0.05


def arm(users: int, clicks_per_10: int) -> Arm:
    """``users`` users with 10 impressions each: half click ``2 × clicks_per_10`` of them,
    half none (a click-through rate of ``clicks_per_10 / 10`` that varies by user)."""
    ones = np.ones(users)
    return Arm(
        impressions=10 * ones,
        clicks=clicks_per_10 * ones * np.r_[np.ones(users // 2), np.zeros(users - users // 2)] * 2,
        dismissals=0 * ones,
        watches=0 * ones,
        ratings=0 * ones,
        rating_sums=0 * ones,
    )


def test_the_verdict_names_the_better_variant_only_when_established():
    names = ["popular", "hybrid"]
    clear = verdict([arm(200, 1), arm(200, 3)], names)
    assert clear["decided"] and clear["winner"] == "hybrid"
    worse = verdict([arm(200, 3), arm(200, 1)], names)
    assert worse["decided"] and worse["winner"] == "popular"  # the control stays
    same = verdict([arm(200, 2), arm(200, 2)], names)
    assert not same["decided"] and same["winner"] is None
    few = verdict([arm(MIN_USERS - 1, 1), arm(MIN_USERS - 1, 5)], names)
    assert not few["decided"] and few["comparisons"][0]["p_value"] == 1.0


# -- through the API -----------------------------------------------------------------------


async def test_every_page_names_what_was_served(client, token, world):
    headers = token(user_id=fan_of(world, "Horror", 5))
    page = await served(client, headers, limit=5)
    assert page["recommendation_id"] and page["diversity"] == pytest.approx(0.1)
    assert page.get("experiment") is None
    again = await served(client, headers, limit=5, diversity=0.6)
    assert again["diversity"] == 0.6 and again["recommendation_id"] != page["recommendation_id"]
    assert (
        await client.get("/recommendations", params={"diversity": 2}, headers=headers)
    ).status_code == 422


async def test_feedback_is_checked_against_what_was_served(client, token, world, runtime):
    user, other = fan_of(world, "Horror", 6), fan_of(world, "Horror", 7)
    mine, theirs = token(user_id=user), token(user_id=other)
    page = await served(client, mine, limit=5)
    rid = page["recommendation_id"]
    shown = [{"recommendation_id": rid, "movie_id": i["movie_id"], "kind": "impression"}
             for i in page["items"]]  # fmt: skip
    post = "/recommendations/feedback"
    first = await client.post(post, json=shown, headers=mine)
    assert first.status_code == 200, first.text
    assert first.json() == {"recorded": 5, "replayed": 0}
    # Replayed: recorded once.
    assert (await client.post(post, json=shown, headers=mine)).json() == {
        "recorded": 0,
        "replayed": 5,
    }
    click = {"recommendation_id": rid, "movie_id": page["items"][0]["movie_id"], "kind": "click"}
    # Refused whole, nothing recorded: another user's id, an altered id, a movie not in the
    # page, an unknown kind, too many items, none.
    tampered = rid[:-3] + ("AAA" if rid[-3:] != "AAA" else "BBB")
    refused = [
        (theirs, [click], 404),
        (mine, [click, {**click, "recommendation_id": tampered}], 404),
        (mine, [click, {**click, "movie_id": 999_999}], 404),
        (mine, [{**click, "recommendation_id": "not-an-id-at-all-but-long-enough"}], 404),
        (mine, [{**click, "kind": "purchase"}], 422),
        (mine, [click] * 101, 422),
        (mine, [], 422),
    ]
    for headers, body, code in refused:
        response = await client.post(post, json=body, headers=headers)
        assert response.status_code == code, (body[:1], response.text)
        assert response.json()["detail"]
    assert (await client.post(post, json=[click])).status_code == 401
    assert await feedback_rows(runtime, user) == sorted(
        (i["movie_id"], "impression") for i in page["items"]
    )
    assert await feedback_rows(runtime, other) == []
    assert (await client.post(post, json=[click], headers=mine)).json()["recorded"] == 1


async def test_a_dismissal_sent_as_feedback_is_not_interested(client, token, world):
    headers = token(user_id=fan_of(world, "Comedy", 6))
    page = await served(client, headers, limit=5)
    top, second = (i["movie_id"] for i in page["items"][:2])
    # The second one was dismissed before (PUT): kept as it was.
    put = await client.put(f"/recommendations/dismissals/{second}", headers=headers)
    assert put.status_code == 201
    rid = page["recommendation_id"]
    body = [{"recommendation_id": rid, "movie_id": m, "kind": "dismiss"} for m in (top, second)]
    assert (
        await client.post("/recommendations/feedback", json=body, headers=headers)
    ).status_code == 200
    shown = [i["movie_id"] for i in (await served(client, headers, limit=20))["items"]]
    assert top not in shown and second not in shown
    listed = (await client.get("/recommendations/dismissals", headers=headers)).json()
    assert sorted(i["movie_id"] for i in listed["items"]) == sorted([top, second])
    assert put.json()["dismissed_at"] in [i["dismissed_at"] for i in listed["items"]]


async def test_a_watch_and_a_rating_are_credited_to_the_recommendation_before(
    client, token, world, publish, runtime
):
    user = fan_of(world, "Comedy", 7)
    headers = token(user_id=user)
    page = await served(client, headers, limit=5)
    shown, unseen = page["items"][0]["movie_id"], page["items"][1]["movie_id"]
    body = [
        {"recommendation_id": page["recommendation_id"], "movie_id": shown, "kind": "impression"}
    ]
    assert (
        await client.post("/recommendations/feedback", json=body, headers=headers)
    ).status_code == 200
    now = datetime.now(UTC)
    # A watch of the movie shown, and one of a movie on the page but never sent as shown.
    for movie_id in (shown, unseen):
        await publish(
            "watch.added",
            WatchAdded(entry_id=uuid.uuid4(), user_id=user, movie_id=movie_id, watched_at=now),
        )
    await publish("rating.set", RatingSet(user_id=user, movie_id=shown, score=4.5, rated_at=now))

    async def credited() -> bool:
        return len(await feedback_rows(runtime, user)) == 3

    await eventually(credited, timeout=20)
    assert await feedback_rows(runtime, user) == [
        (shown, "impression"),
        (shown, "rating"),
        (shown, "watch"),
    ]


async def test_an_experiment_buckets_users_and_reports_per_variant(client, token, world, runtime):
    admin, user_token = token(role="admin"), token(user_id=fan_of(world, "Horror", 8))
    base = "/recommendations/experiments"
    body = {
        "name": f"hybrid-vs-popular-{uuid.uuid4().hex[:6]}",
        "variants": [
            {"name": "popular", "strategy": "popular", "diversity": 0},
            {"name": "hybrid", "strategy": "hybrid", "diversity": 0.1},
        ],
    }
    assert (await client.post(base, json=body, headers=user_token)).status_code == 403
    for bad in (
        {**body, "variants": body["variants"][:1]},
        {**body, "variants": [body["variants"][0]] * 2},
        {**body, "variants": [{**body["variants"][0], "diversity": 1.5}, body["variants"][1]]},
        {**body, "name": ""},
    ):
        assert (await client.post(base, json=bad, headers=admin)).status_code == 422, bad
    created = await client.post(base, json=body, headers=admin)
    assert created.status_code == 201, created.text
    experiment = created.json()
    assert experiment["status"] == "draft"
    assert (await client.post(base, json=body, headers=admin)).status_code == 409
    eid = experiment["experiment_id"]
    assert (await client.post(f"{base}/{eid}/stop", headers=admin)).status_code == 409
    started = await client.post(f"{base}/{eid}/start", headers=admin)
    assert started.status_code == 200 and started.json()["status"] == "running"
    try:
        variants = {}
        for n in range(8):
            user = fan_of(world, "Sci-Fi", n)
            headers = token(user_id=user)
            pages = [await served(client, headers, limit=5) for _ in range(2)]
            assert pages[0]["experiment"] == body["name"]
            assert pages[0]["variant"] == pages[1]["variant"]  # the same every request
            variant = pages[0]["variant"]
            assert pages[0]["strategy"] == variant
            variants[user] = variant
            items = [{"recommendation_id": pages[0]["recommendation_id"], "movie_id": i["movie_id"],
                      "kind": "impression"} for i in pages[0]["items"]]  # fmt: skip
            items.append({**items[0], "kind": "click"})
            assert (
                await client.post("/recommendations/feedback", json=items, headers=headers)
            ).status_code == 200
            # An explicit choice is served as asked, outside the experiment.
            chosen = await served(client, headers, limit=5, strategy="ratings")
            assert chosen.get("experiment") is None and chosen["strategy"] == "ratings"
        results = await client.get(f"{base}/{eid}/results", headers=admin)
        assert results.status_code == 200, results.text
        report = results.json()
        by_name = {v["name"]: v for v in report["variants"]}
        for name in ("popular", "hybrid"):
            mine = [u for u, v in variants.items() if v == name]
            assert by_name[name]["users"] == len(mine)
            assert by_name[name]["impressions"] == 5 * len(mine)
            if mine:
                ctr = by_name[name]["metrics"]["click_through_rate"]
                assert ctr["value"] == pytest.approx(0.2)
        assert report["verdict"]["decided"] is False  # too few users
        assert (await client.post(f"{base}/{eid}/start", headers=admin)).status_code == 409
    finally:
        stopped = await client.post(f"{base}/{eid}/stop", headers=admin)
    assert stopped.status_code == 200 and stopped.json()["status"] == "stopped"
    after = await served(client, token(user_id=fan_of(world, "Sci-Fi", 0)), limit=5)
    assert after.get("experiment") is None
    listed = (await client.get(base, headers=admin)).json()
    assert listed["items"][0]["experiment_id"] == eid
    assert (await client.get(f"{base}/999999", headers=admin)).status_code == 404


async def test_two_drafts_started_at_once_run_one(client, token):
    """The check for a running experiment and the start race: the partial unique index
    decides, and the loser is told 409, not 500."""
    admin, base = token(role="admin"), "/recommendations/experiments"
    variants = [{"name": "a", "strategy": "popular"}, {"name": "b", "strategy": "hybrid"}]
    ids = []
    for _ in range(2):
        body = {"name": f"race-{uuid.uuid4().hex[:8]}", "variants": variants}
        created = await client.post(base, json=body, headers=admin)
        assert created.status_code == 201, created.text
        # Left out, the diversity is the service's default, stored with the experiment.
        assert all(isinstance(v["diversity"], float) for v in created.json()["variants"])
        ids.append(created.json()["experiment_id"])
    answers = await asyncio.gather(
        *(client.post(f"{base}/{eid}/start", headers=admin) for eid in ids)
    )
    try:
        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
        lost = next(a for a in answers if a.status_code == 409)
        assert "one runs at a time" in lost.json()["detail"]
    finally:
        for eid in ids:
            await client.post(f"{base}/{eid}/stop", headers=admin)
