"""The recommendation API over a synthetic world (three genre clusters and their fans):
strategies and reasons, freshness from events, cold starts, new and deleted movies,
deleted users, model reloads, validation."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from movierec_common.events import (
    MovieDeleted,
    MovieUpserted,
    RatingSet,
    UserDeleted,
    UserRegistered,
    WatchAdded,
)
from movierec_recs import training
from movierec_recs.models.bundle import from_bytes
from movierec_testkit import eventually

HORROR = set(range(1, 21))
SCIFI = set(range(41, 61))


def fan_of(world: dict, genre: str, n: int = 0) -> uuid.UUID:
    return world["fans"][genre][n]


async def rated_by(runtime, user: uuid.UUID) -> set[int]:
    async with runtime.database.transaction() as session:
        rows = await session.execute(
            text("SELECT movie_id FROM interaction WHERE user_id = :u"), {"u": user}
        )
        return {r.movie_id for r in rows}


async def test_every_strategy_answers_with_truthful_reasons(client, token, world, runtime):
    user = fan_of(world, "Horror")
    mine = await rated_by(runtime, user)
    titles = {m: f"Horror {m}" for m in HORROR}
    for strategy in ("hybrid", "history", "ratings", "popular"):
        response = await client.get(
            "/recommendations",
            params={"strategy": strategy, "limit": 5},
            headers=token(user_id=user),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["strategy"] == strategy
        assert body["model_version"] == world["version"]
        assert (body["limit"], body["offset"]) == (5, 0)
        assert len(body["items"]) == 5
        for item in body["items"]:
            assert item["movie_id"] not in mine  # watched and rated never appear
            reason = item["reason"]
            assert reason["text"]
            if reason["kind"] in ("viewers_also_liked", "because_you_watched"):
                # The named movie is one of the user's, and the text names it.
                assert reason["movie_id"] in mine
                assert titles[reason["movie_id"]] in reason["text"]
            if strategy == "popular":
                assert reason["kind"] == "popular"
                assert "half-life" in reason["text"]
        ids = {i["movie_id"] for i in body["items"]}
        if strategy in ("ratings", "history"):
            # A horror fan gets the horror movies they have not seen yet...
            assert ids <= HORROR
        if strategy == "hybrid":
            # ...and the hybrid mixes in a little novelty.
            assert len(ids & HORROR) >= 3
    hybrid = (await client.get("/recommendations", headers=token(user_id=user))).json()
    liked = [i for i in hybrid["items"] if i["reason"]["kind"] == "viewers_also_liked"]
    assert liked and liked[0]["reason"]["text"].startswith("Viewers who liked Horror ")


async def test_pages_never_repeat_and_genre_filters(client, token, world):
    headers = token(user_id=fan_of(world, "Comedy", 1))
    first = (await client.get("/recommendations?limit=10", headers=headers)).json()["items"]
    second = (await client.get("/recommendations?limit=10&offset=10", headers=headers)).json()[
        "items"
    ]
    assert len(first) == 10 and second
    assert not {i["movie_id"] for i in first} & {i["movie_id"] for i in second}
    filtered = (await client.get("/recommendations?genre=Sci-Fi", headers=headers)).json()
    assert filtered["items"] and all("Sci-Fi" in i["genres"] for i in filtered["items"])


async def test_a_rating_or_watch_changes_recommendations_at_once(
    client, token, world, publish, drained
):
    user = fan_of(world, "Sci-Fi", 2)
    headers = token(user_id=user)
    before = (await client.get("/recommendations?limit=5", headers=headers)).json()["items"]
    top = before[0]["movie_id"]
    await publish(
        "rating.set",
        RatingSet(user_id=user, movie_id=top, score=5, rated_at=datetime.now(UTC)),
    )

    async def gone() -> bool:
        items = (await client.get("/recommendations?limit=5", headers=headers)).json()["items"]
        return top not in {i["movie_id"] for i in items}

    await eventually(gone, timeout=5)
    # A watch of a movie from another cluster pulls its neighbours up.
    await publish(
        "watch.added",
        WatchAdded(entry_id=uuid.uuid4(), user_id=user, movie_id=1, watched_at=datetime.now(UTC)),
    )

    async def horror_rises() -> bool:
        body = await client.get("/recommendations?strategy=history&limit=60", headers=headers)
        items = body.json()["items"]
        return 1 not in {i["movie_id"] for i in items} and any(
            i["reason"].get("movie_id") == 1 for i in items
        )

    await eventually(horror_rises, timeout=5)


async def test_cold_start_user_gets_their_favorite_genres(client, token, world, publish):
    user = uuid.uuid4()  # registered after the model was trained
    await publish("user.registered", UserRegistered(user_id=user, favorite_genres=["Comedy"]))
    headers = token(user_id=user)

    async def comedies() -> bool:
        items = (await client.get("/recommendations?limit=10", headers=headers)).json()["items"]
        return all("Comedy" in i["genres"] for i in items)

    await eventually(comedies, timeout=5)
    items = (await client.get("/recommendations?limit=10", headers=headers)).json()["items"]
    assert all(i["reason"]["kind"] == "favorite_genres" for i in items)
    assert "Popular in Comedy, one of your favorite genres" in items[0]["reason"]["text"]
    # Without favorite genres: popular overall.
    stranger = (await client.get("/recommendations", headers=token())).json()["items"]
    assert stranger and all(i["reason"]["kind"] == "popular" for i in stranger)


async def test_a_movie_added_after_training_is_recommended(client, token, world, publish):
    await publish(
        "movie.upserted",
        MovieUpserted(movie_id=5000, title="New Sci-Fi", year=2005, genres=["Sci-Fi"]),
    )
    headers = token(user_id=fan_of(world, "Sci-Fi", 3))

    async def recommended() -> bool:
        body = (
            await client.get("/recommendations?strategy=history&limit=30", headers=headers)
        ).json()
        return 5000 in {i["movie_id"] for i in body["items"]}

    await eventually(recommended, timeout=5)
    similar = await client.get("/recommendations/similar/5000?limit=5")
    assert similar.status_code == 200
    items = similar.json()["items"]
    assert all("Sci-Fi" in i["genres"] for i in items)
    assert all(i["reason"]["movie_id"] == 5000 for i in items)


async def test_a_deleted_movie_is_never_recommended(client, world, publish):
    popular = (await client.get("/recommendations/popular?limit=60")).json()["items"]
    victim = popular[0]["movie_id"]
    await publish("movie.deleted", MovieDeleted(movie_id=victim))

    async def gone() -> bool:
        items = (await client.get("/recommendations/popular?limit=60")).json()["items"]
        return victim not in {i["movie_id"] for i in items}

    await eventually(gone, timeout=5)
    assert (await client.get(f"/recommendations/similar/{victim}")).status_code == 404


async def test_popular_by_genre_names_the_genre_and_window(client, world):
    body = (await client.get("/recommendations/popular?genre=horror&limit=5")).json()
    assert body["strategy"] == "popular"
    assert len(body["items"]) == 5
    assert all(set(i["genres"]) == {"Horror"} for i in body["items"])
    assert body["items"][0]["reason"]["text"].startswith("Popular in Horror lately")


async def test_not_interested_hides_a_movie_at_once_and_undo_brings_it_back(client, token, world):
    user = fan_of(world, "Horror", 3)
    headers = token(user_id=user)

    async def scored(strategy: str = "hybrid") -> dict[int, float]:
        body = await client.get(
            "/recommendations", params={"strategy": strategy, "limit": 60}, headers=headers
        )
        assert body.status_code == 200, body.text
        return {i["movie_id"]: i["score"] for i in body.json()["items"]}

    async def ids(strategy: str = "hybrid") -> list[int]:
        return list(await scored(strategy))

    scores_before = await scored()
    before = list(scores_before)
    top = before[0]
    dismissed = await client.put(f"/recommendations/dismissals/{top}", headers=headers)
    assert dismissed.status_code == 201, dismissed.text
    assert dismissed.json()["movie_id"] == top and dismissed.json()["title"]
    again = await client.put(f"/recommendations/dismissals/{top}", headers=headers)
    assert again.status_code == 200 and again.json() == dismissed.json()  # kept as it was
    # Gone from the very next answer, whatever the strategy.
    for strategy in ("hybrid", "history", "ratings", "popular"):
        assert top not in await ids(strategy), strategy
    listed = (await client.get("/recommendations/dismissals", headers=headers)).json()
    assert [i["movie_id"] for i in listed["items"]] == [top] and listed["total"] == 1
    # The movie most like it (as /similar ranks them) scores lower; no score rises.
    scores_after = await scored()
    alike = (await client.get(f"/recommendations/similar/{top}", params={"limit": 60})).json()
    closest = next(i["movie_id"] for i in alike["items"] if i["movie_id"] in scores_after)
    assert closest in scores_before
    assert scores_after[closest] < scores_before[closest]
    assert all(
        scores_after[m] <= scores_before[m] + 1e-9 for m in scores_after if m in scores_before
    )
    # Undo: back where it was.
    undone = await client.delete(f"/recommendations/dismissals/{top}", headers=headers)
    assert undone.status_code == 204
    assert (await ids())[0] == top
    assert (
        await client.delete(f"/recommendations/dismissals/{top}", headers=headers)
    ).status_code == 404
    assert (await client.get("/recommendations/dismissals", headers=headers)).json()["total"] == 0


async def test_dismissals_are_validated_and_private(client, token, world):
    user, other = (
        token(user_id=fan_of(world, "Comedy", 4)),
        token(user_id=fan_of(world, "Comedy", 5)),
    )
    assert (await client.put("/recommendations/dismissals/999999", headers=user)).status_code == 404
    assert (await client.put("/recommendations/dismissals/0", headers=user)).status_code == 422
    assert (await client.put("/recommendations/dismissals/21")).status_code == 401
    assert (await client.get("/recommendations/dismissals")).status_code == 401
    assert (await client.put("/recommendations/dismissals/21", headers=user)).status_code == 201
    assert (await client.get("/recommendations/dismissals", headers=other)).json()["total"] == 0
    assert (await client.delete("/recommendations/dismissals/21", headers=other)).status_code == 404


async def test_deleting_a_user_removes_their_data(client, token, world, publish, runtime):
    user = fan_of(world, "Comedy", 9)
    assert await rated_by(runtime, user)
    assert (
        await client.put("/recommendations/dismissals/22", headers=token(user_id=user))
    ).status_code == 201
    await publish("user.deleted", UserDeleted(user_id=user))

    async def refused() -> bool:
        response = await client.get("/recommendations", headers=token(user_id=user))
        return response.status_code == 401

    await eventually(refused, timeout=5)
    assert await rated_by(runtime, user) == set()
    async with runtime.database.transaction() as session:
        left = await session.execute(
            text("SELECT count(*) FROM dismissal WHERE user_id = :u"), {"u": user}
        )
        assert left.scalar_one() == 0


async def test_a_deleted_user_is_forgotten_by_every_stored_model(world, publish, runtime, settings):
    """The consumer queues the forget task with the deletion (through the outbox); the
    task rewrites each stored model without the user's id and vector."""
    user = fan_of(world, "Horror", 8)

    async def models() -> dict[str, bytes]:
        async with runtime.database.transaction() as session:
            rows = await session.execute(text("SELECT version, artifact FROM model"))
            return {r.version: bytes(r.artifact) for r in rows}

    def knows(artifact: bytes) -> bool:
        return str(user) in {str(u) for u in from_bytes(artifact)[0].dataset.user_ids}

    assert any(knows(a) for a in (await models()).values())
    await publish("user.deleted", UserDeleted(user_id=user))

    async def queued() -> bool:
        async with runtime.database.transaction() as session:
            rows = await session.execute(
                text("SELECT body FROM outbox WHERE headers ->> 'task' = :t"),
                {"t": runtime.spec.task_name("forget_user_in_models")},
            )
            return [str(user)] in [json.loads(bytes(r.body))[0] for r in rows]

    await eventually(queued, timeout=10)
    rewritten = await training.forget_in_models(settings, {str(user)})
    assert rewritten
    after = await models()
    assert not any(knows(a) for a in after.values())
    bundle, _ = from_bytes(after[rewritten[0]])
    assert bundle.parts["lightfm"].user_vectors.any()  # the other users' vectors stay
    assert await training.forget_in_models(settings, {str(user)}) == []  # nothing left


async def test_a_new_model_is_served_and_a_failed_training_keeps_the_old(
    client, world, settings, monkeypatch
):
    version = await training.train(settings)

    async def serving(expected: str) -> bool:
        return (await client.get("/recommendations/model")).json()["version"] == expected

    await eventually(lambda: serving(version), timeout=5)
    info = (await client.get("/recommendations/model")).json()
    # (30 fans, of whom other tests delete a few)
    assert info["sizes"]["items"] >= 59 and info["sizes"]["users"] >= 25
    assert info["sizes"]["artifact_bytes"] > 0

    def broken(*args, **kwargs):
        raise RuntimeError("the fit blew up")

    monkeypatch.setattr(training, "fit_and_measure", broken)
    with pytest.raises(RuntimeError):
        await training.train(settings)
    assert await serving(version)
    assert (await client.get("/recommendations/popular")).status_code == 200


async def _queued_trainings(runtime) -> int:
    async with runtime.database.transaction() as session:
        rows = await session.execute(
            text("SELECT headers->>'task' FROM outbox WHERE routing_key LIKE '%.tasks'")
        )
        return list(rows.scalars()).count("movierec_recs.train")


async def _age_models(runtime, days: int) -> None:
    async with runtime.database.transaction() as session:
        await session.execute(
            text("UPDATE model SET trained_at = trained_at - make_interval(days => :d)"),
            {"d": days},
        )


async def test_enough_new_events_queue_a_training(world, settings, runtime, publish):
    """Once the threshold is reached and the newest model is old enough to be replaced;
    while it is younger than the minimum interval, events keep counting and nothing is
    queued (a training queued then was only skipped, and the next batch queued another)."""

    async def rate(score: float) -> None:
        async with runtime.database.transaction() as session:
            await session.execute(
                text("UPDATE training_state SET events_since = :n, queued_at = NULL"),
                {"n": settings.train_after_events - 1},
            )
        await publish(
            "rating.set",
            RatingSet(
                user_id=fan_of(world, "Horror", 5),
                movie_id=30,
                score=score,
                rated_at=datetime.now(UTC),
            ),
        )

    before = await _queued_trainings(runtime)
    await rate(3)  # the world's model was trained moments ago
    await asyncio.sleep(1.0)
    assert await _queued_trainings(runtime) == before
    await _age_models(runtime, 1)
    try:
        await rate(4)

        async def queued() -> bool:
            return await _queued_trainings(runtime) == before + 1

        await eventually(queued, timeout=5)
    finally:
        await _age_models(runtime, -1)


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=1000", "offset=-1", "offset=5000", "strategy=magic", "genre=Jazz"],
)
async def test_invalid_queries_are_422_with_a_message(client, token, world, query):
    response = await client.get(f"/recommendations?{query}", headers=token())
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]


async def test_personal_recommendations_need_a_login(client, world):
    assert (await client.get("/recommendations")).status_code == 401
