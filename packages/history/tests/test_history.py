"""Adding, listing and removing watches; deleted users; the demo import."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from sqlalchemy import text


async def _events(app, user_id: uuid.UUID) -> list[dict]:
    async with app.state.db.transaction() as session:
        rows = await session.execute(
            text("SELECT body FROM outbox WHERE routing_key LIKE 'watch.%' ORDER BY id")
        )
        events = [json.loads(bytes(r[0])) for r in rows]
    return [e for e in events if e["payload"]["user_id"] == str(user_id)]


async def test_add_list_and_remove(client, token, app):
    user = uuid.uuid4()
    headers = token(user_id=user)
    first = await client.post(
        "/history", json={"movie_id": 1, "watched_at": "2024-01-02T20:00:00Z"}, headers=headers
    )
    assert first.status_code == 201
    second = await client.post("/history", json={"movie_id": 2}, headers=headers)
    assert second.status_code == 201
    listed = (await client.get("/history", headers=headers)).json()
    assert [i["movie_id"] for i in listed["items"]] == [2, 1]  # newest first
    assert listed["total"] == 2 and listed["items"][0]["title"] == "Movie 2"
    entry = first.json()["id"]
    assert (await client.delete(f"/history/{entry}", headers=headers)).status_code == 204
    assert (await client.delete(f"/history/{entry}", headers=headers)).status_code == 404
    assert [
        i["movie_id"] for i in (await client.get("/history", headers=headers)).json()["items"]
    ] == [2]
    events = await _events(app, user)
    assert [e["type"] for e in events] == ["watch.added", "watch.added", "watch.removed"]
    assert events[2]["aggregate_id"] == entry
    assert events[0]["aggregate_version"] < events[2]["aggregate_version"]


async def test_a_retry_with_the_same_idempotency_key_records_nothing_new(client, token, app):
    """A client that retries a timed-out POST with its Idempotency-Key gets the entry the
    first attempt recorded, however many times and however concurrently it retries."""
    user = uuid.uuid4()
    headers = {**token(user_id=user), "Idempotency-Key": str(uuid.uuid4())}
    first = await client.post("/history", json={"movie_id": 3}, headers=headers)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    retries = await asyncio.gather(
        *(client.post("/history", json={"movie_id": 3}, headers=headers) for _ in range(5))
    )
    for retry in retries:
        assert retry.status_code == 201, retry.text
        assert retry.json() == first.json()
        assert retry.headers["Idempotent-Replayed"] == "true"
    assert (await client.get("/history", headers=headers)).json()["total"] == 1
    assert [e["type"] for e in await _events(app, user)] == ["watch.added"]
    # Another movie (or time) under the same key is a mistake of the client's.
    reused = await client.post("/history", json={"movie_id": 4}, headers=headers)
    assert reused.status_code == 422, reused.text
    assert "Idempotency-Key" in reused.json()["detail"]
    at = await client.post(
        "/history", json={"movie_id": 3, "watched_at": "2024-01-02T20:00:00Z"}, headers=headers
    )
    assert at.status_code == 422
    # Keys are the user's own; without a key every POST is a new watch.
    other = {**token(user_id=uuid.uuid4()), "Idempotency-Key": headers["Idempotency-Key"]}
    assert (await client.post("/history", json={"movie_id": 3}, headers=other)).json()[
        "id"
    ] != first.json()["id"]
    plain = token(user_id=user)
    await client.post("/history", json={"movie_id": 3}, headers=plain)
    await client.post("/history", json={"movie_id": 3}, headers=plain)
    assert (await client.get("/history", headers=plain)).json()["total"] == 3


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "café".encode()])
async def test_a_malformed_idempotency_key_is_422(client, token, key):
    headers = {**token(user_id=uuid.uuid4()), "Idempotency-Key": key}
    response = await client.post("/history", json={"movie_id": 3}, headers=headers)
    assert response.status_code == 422, response.text


async def test_remove_every_entry_of_one_movie(client, token, app):
    user = uuid.uuid4()
    headers = token(user_id=user)
    for _ in range(3):
        await client.post("/history", json={"movie_id": 5}, headers=headers)
    await client.post("/history", json={"movie_id": 6}, headers=headers)
    assert (
        await client.delete("/history", params={"movie_id": 5}, headers=headers)
    ).status_code == 204
    assert [
        i["movie_id"] for i in (await client.get("/history", headers=headers)).json()["items"]
    ] == [6]
    assert [e["type"] for e in await _events(app, user)].count("watch.removed") == 3


async def test_list_of_one_movie_says_whether_and_when_the_user_watched_it(client, token):
    headers, other = token(user_id=uuid.uuid4()), token(user_id=uuid.uuid4())
    for movie in (7, 8, 7):
        await client.post("/history", json={"movie_id": movie}, headers=headers)
    await client.post("/history", json={"movie_id": 8}, headers=other)
    seven = (await client.get("/history", params={"movie_id": 7}, headers=headers)).json()
    assert [i["movie_id"] for i in seven["items"]] == [7, 7] and seven["total"] == 2
    none = (await client.get("/history", params={"movie_id": 9}, headers=headers)).json()
    assert none == {"items": [], "total": 0, "limit": none["limit"], "offset": 0}
    await client.delete("/history", params={"movie_id": 7}, headers=headers)
    assert (await client.get("/history", params={"movie_id": 7}, headers=headers)).json()[
        "total"
    ] == 0


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"movie_id": 999999}, 404, "Movie 999999 not found."),
        ({"movie_id": 0}, 422, "greater than or equal to 1"),
        ({"movie_id": "one"}, 422, "valid integer"),
        ({"movie_id": 1, "watched_at": "2999-01-01T00:00:00Z"}, 422, "must not be in the future"),
        ({"movie_id": 1, "watched_at": "2020-01-01T00:00:00"}, 422, "timezone"),
        ({"movie_id": 1, "watched_at": "yesterday"}, 422, "datetime"),
        ({}, 422, "Field required"),
    ],
)
async def test_bad_input_is_refused(client, token, app, body, status, message):
    user = uuid.uuid4()
    response = await client.post("/history", json=body, headers=token(user_id=user))
    assert response.status_code == status
    assert message in response.text
    assert await _events(app, user) == []


async def test_missing_token_is_401(client):
    assert (await client.post("/history", json={"movie_id": 1})).status_code == 401
    assert (await client.get("/history")).status_code == 401


async def test_someone_elses_entry_is_404_and_untouched(client, token):
    owner, other = token(user_id=uuid.uuid4()), token(user_id=uuid.uuid4())
    entry = (await client.post("/history", json={"movie_id": 7}, headers=owner)).json()["id"]
    assert (await client.delete(f"/history/{entry}", headers=other)).status_code == 404
    assert (await client.get("/history", headers=other)).json()["total"] == 0
    assert (await client.get("/history", headers=owner)).json()["total"] == 1
