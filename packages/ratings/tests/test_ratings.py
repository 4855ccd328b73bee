"""Setting, changing, removing and listing ratings; the public summary."""

from __future__ import annotations

import json
import time
import uuid

import aio_pika
import jwt
import pytest
from sqlalchemy import text

from movierec_common.amqp import declare_events_exchange, message_bodies
from movierec_ratings.spec import spec
from movierec_testkit import consuming, eventually, relaying


async def _events(app, user_id: uuid.UUID) -> list[dict]:
    async with app.state.db.transaction() as session:
        # Events only: the outbox also carries Celery task messages (e.g. another test's purge).
        rows = await session.execute(
            text("SELECT body FROM outbox WHERE exchange <> '' ORDER BY id")
        )
        events = [json.loads(bytes(r[0])) for r in rows]
    return [e for e in events if e["payload"].get("user_id") == str(user_id)]


async def test_put_creates_then_changes(client, token, app):
    user = uuid.uuid4()
    headers = token(user_id=user)
    created = await client.put("/ratings/1", json={"score": 4.5}, headers=headers)
    assert created.status_code == 201
    assert created.json()["score"] == 4.5
    changed = await client.put("/ratings/1", json={"score": 3}, headers=headers)
    assert changed.status_code == 200
    same = await client.put("/ratings/1", json={"score": 3.0}, headers=headers)
    assert same.status_code == 200
    events = await _events(app, user)
    assert [(e["type"], e["payload"]["score"], e["payload"]["previous_score"]) for e in events] == [
        ("rating.set", 4.5, None),
        ("rating.set", 3.0, 4.5),
    ]
    assert events[0]["aggregate_id"] == f"{user}:1"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"score": 0}, "greater than or equal to 0.5"),
        ({"score": 5.5}, "less than or equal to 5"),
        ({"score": 3.3}, "multiple of 0.5"),
        ({"score": "five"}, "valid"),
        ({"score": None}, "valid"),
        ({"score": True}, "valid"),
        ({}, "Field required"),
        ({"score": 4, "user_id": "x"}, "Extra inputs"),
    ],
    ids=["zero", "5.5", "3.3", "five", "null", "bool", "missing", "extra"],
)
async def test_bad_scores_are_422_and_change_nothing(client, token, app, body, message):
    user = uuid.uuid4()
    response = await client.put("/ratings/2", json=body, headers=token(user_id=user))
    assert response.status_code == 422
    assert message in response.text
    assert await _events(app, user) == []


async def test_unknown_movie_is_404(client, token):
    response = await client.put("/ratings/999999", json={"score": 4}, headers=token())
    assert response.status_code == 404
    assert response.json()["detail"] == "Movie 999999 not found."


async def test_missing_and_expired_tokens_are_401(client, token, signing):
    assert (await client.put("/ratings/3", json={"score": 4})).status_code == 401
    now = int(time.time())
    claims = {
        "sub": str(uuid.uuid4()),
        "iss": "movierec-auth",
        "aud": "movierec",
        "iat": now - 1000,
        "nbf": now - 1000,
        "exp": now - 100,
        "typ": "access",
        "role": "user",
    }
    expired = jwt.encode(claims, signing["key"], algorithm="EdDSA", headers={"kid": signing["kid"]})
    response = await client.put(
        "/ratings/3", json={"score": 4}, headers={"Authorization": f"Bearer {expired}"}
    )
    assert response.status_code == 401


async def test_delete_then_404(client, token, app):
    user = uuid.uuid4()
    headers = token(user_id=user)
    await client.put("/ratings/4", json={"score": 2}, headers=headers)
    assert (await client.delete("/ratings/4", headers=headers)).status_code == 204
    assert (await client.delete("/ratings/4", headers=headers)).status_code == 404
    types = [e["type"] for e in await _events(app, user)]
    assert types == ["rating.set", "rating.removed"]


async def test_list_sorted_by_date_or_score_and_isolated_per_user(client, token):
    user, other = token(user_id=uuid.uuid4()), token(user_id=uuid.uuid4())
    for movie, score in ((10, 2.0), (11, 5.0), (12, 3.5)):
        await client.put(f"/ratings/{movie}", json={"score": score}, headers=user)
    await client.put("/ratings/13", json={"score": 1}, headers=other)
    by_date = (await client.get("/ratings", headers=user)).json()
    assert [i["movie_id"] for i in by_date["items"]] == [12, 11, 10]
    assert by_date["total"] == 3 and by_date["items"][0]["title"] == "Movie 12"
    by_score = (await client.get("/ratings", params={"sort": "score"}, headers=user)).json()
    assert [i["score"] for i in by_score["items"]] == [5.0, 3.5, 2.0]
    page = (await client.get("/ratings", params={"limit": 2, "offset": 2}, headers=user)).json()
    assert [i["movie_id"] for i in page["items"]] == [10]
    assert [
        i["movie_id"] for i in (await client.get("/ratings", headers=other)).json()["items"]
    ] == [13]
    # Someone else's rating cannot be removed: for them it does not exist.
    assert (await client.delete("/ratings/13", headers=user)).status_code == 404
    assert (await client.get("/ratings", headers=other)).json()["total"] == 1


async def test_list_of_one_movie_is_the_users_rating_of_it_or_empty(client, token):
    """What a movie page asks: the user's rating of this movie, if any."""
    user, other = token(user_id=uuid.uuid4()), token(user_id=uuid.uuid4())
    await client.put("/ratings/14", json={"score": 4.5}, headers=user)
    await client.put("/ratings/15", json={"score": 1}, headers=user)
    await client.put("/ratings/15", json={"score": 3}, headers=other)
    mine = (await client.get("/ratings", params={"movie_id": 15}, headers=user)).json()
    assert [(i["movie_id"], i["score"]) for i in mine["items"]] == [(15, 1.0)]
    assert mine["total"] == 1
    none = (await client.get("/ratings", params={"movie_id": 16}, headers=user)).json()
    assert none["items"] == [] and none["total"] == 0
    await client.put("/ratings/15", json={"score": 2}, headers=user)  # the cache follows
    mine = (await client.get("/ratings", params={"movie_id": 15}, headers=user)).json()
    assert mine["items"][0]["score"] == 2.0
    bad = await client.get("/ratings", params={"movie_id": 0}, headers=user)
    assert bad.status_code == 422


async def test_list_reflects_a_change_at_once(client, token):
    headers = token(user_id=uuid.uuid4())
    await client.put("/ratings/20", json={"score": 2}, headers=headers)
    assert (await client.get("/ratings", headers=headers)).json()["items"][0]["score"] == 2.0
    await client.put("/ratings/20", json={"score": 4}, headers=headers)
    assert (await client.get("/ratings", headers=headers)).json()["items"][0]["score"] == 4.0


async def test_summary_is_public_and_follows_every_change(client, token, settings, test_run):
    """The consumer process recounts a movie's summary from the queue its writes fill (off
    the request path) and announces it with one movie.rating_summary per batch."""
    first, second = token(user_id=uuid.uuid4()), token(user_id=uuid.uuid4())
    empty = (await client.get("/ratings/movies/30/summary")).json()
    assert empty == {
        "movie_id": 30,
        "count": 0,
        "average": None,
        "histogram": {f"{s / 2:.1f}": 0 for s in range(1, 11)},
    }

    async def summary_is(count: int, average: float | None) -> dict:
        body: dict = {}

        async def check() -> bool:
            body.update((await client.get("/ratings/movies/30/summary")).json())
            return (body["count"], body["average"]) == (count, average)

        await eventually(check)
        return body

    connection = await aio_pika.connect(settings.amqp_url)
    async with connection, consuming(spec, settings, test_run, "summary"), relaying(settings):
        channel = await connection.channel()
        exchange = await declare_events_exchange(channel, settings.events_exchange)
        announced = await channel.declare_queue(exclusive=True)
        await announced.bind(exchange, routing_key="movie.rating_summary")
        await client.put("/ratings/30", json={"score": 4}, headers=first)
        await client.put("/ratings/30", json={"score": 2}, headers=second)
        summary = await summary_is(2, 3.0)
        assert summary["histogram"]["4.0"] == 1 and summary["histogram"]["2.0"] == 1
        await client.put("/ratings/30", json={"score": 5}, headers=second)
        summary = await summary_is(2, 4.5)
        assert summary["histogram"]["2.0"] == 0
        await client.delete("/ratings/30", headers=first)
        await summary_is(1, 5.0)
        last: dict = {}

        async def announced_last() -> bool:
            while (message := await announced.get(no_ack=True, fail=False)) is not None:
                for body in message_bodies(message.content_type, message.body):
                    event = json.loads(body)
                    if event["payload"]["movie_id"] == 30:
                        last.update(event["payload"])
            return last == {"movie_id": 30, "count": 1, "average": 5.0}

        await eventually(announced_last)


async def test_writes_queue_their_movie_and_one_sweep_recounts_it(app, client, token):
    """Each write queues its movie for a recount (no summary row in the request path); the
    sweep takes the queued rows and recounts each movie once."""
    ratings = app.state.service
    users = [token(user_id=uuid.uuid4()) for _ in range(3)]
    for headers, score in zip(users, (1, 2, 4.5), strict=True):
        await client.put("/ratings/41", json={"score": score}, headers=headers)
    await client.delete("/ratings/41", headers=users[0])

    async def queued() -> list[int]:
        async with ratings.database.transaction() as session:
            found = await session.execute(text("SELECT movie_id FROM summary_recount"))
            return [m for m in found.scalars() if m == 41]

    assert await queued() == [41] * 4
    await spec.sweeps[0].sweeper(ratings.database, ratings).drain()
    assert await queued() == []
    summary = (await client.get("/ratings/movies/41/summary")).json()
    assert (summary["count"], summary["average"]) == (2, 3.25)


async def test_a_recount_that_changes_nothing_announces_nothing(app, client, token):
    """A movie recounted again (queued by several writes, or recounted by the import that
    wrote its ratings) has its summary right already: it must not be announced twice."""
    ratings = app.state.service
    await client.put("/ratings/40", json={"score": 3}, headers=token(user_id=uuid.uuid4()))

    async def announced() -> int:
        async with ratings.database.transaction() as session:
            found = await session.execute(
                text("SELECT count(*) FROM outbox WHERE routing_key = 'movie.rating_summary'")
            )
            return int(found.scalar_one())

    before = await announced()
    async with ratings.database.transaction() as session:
        await ratings.refresh_summaries(session, [40])
    assert await announced() == before + 1  # the write's change
    async with ratings.database.transaction() as session:
        await ratings.refresh_summaries(session, [40, 40])
    assert await announced() == before + 1  # already right: nothing new


async def test_summary_of_an_unknown_movie_is_404(client):
    assert (await client.get("/ratings/movies/999999/summary")).status_code == 404
