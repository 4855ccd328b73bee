"""Adding, listing and removing watches; deleted users; the demo import."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from movierec_common.events import UserDeleted
from movierec_history.spec import spec
from movierec_testkit import consuming, eventually, publish_event, run_console
from movierec_userdata.known_movies import add_known_movies
from movierec_userdata.service import purge


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


async def test_deleted_user_is_purged_and_refused(client, token, app, settings, test_run):
    user = uuid.uuid4()
    headers = token(user_id=user)
    for movie in (10, 11):
        await client.post("/history", json={"movie_id": movie}, headers=headers)
    async with consuming(spec, settings, test_run, "purge"):
        await publish_event(settings, "user.deleted", UserDeleted(user_id=user))

        async def refused() -> bool:
            response = await client.post("/history", json={"movie_id": 12}, headers=headers)
            return response.status_code == 401

        await eventually(refused)
    # (Polling may have added an entry before the tombstone landed: it is purged too.)
    held = (await client.get("/history", headers=headers)).json()["total"]
    assert held >= 2
    assert await purge(app.state.runtime, user) == held
    assert (await client.get("/history", headers=headers)).json()["total"] == 0
    assert [e["type"] for e in await _events(app, user)].count("watch.removed") == held


async def test_import_records_rated_movies_as_watched_idempotently(
    service_env, shared_data_dir, tmp_path, app
):
    lines = (shared_data_dir / "ratings.csv").read_text().splitlines()[:2001]
    (tmp_path / "movies.csv").write_text("movieId,title,genres\n")
    (tmp_path / "ratings.csv").write_text("\n".join(lines) + "\n")
    async with app.state.db.transaction() as session:
        await add_known_movies(session, {int(line.split(",")[1]): "m" for line in lines[1:]})
    outputs = []
    for _ in range(2):
        code, out = await run_console(
            "movierec-history", "import", "--data", str(tmp_path), env=service_env
        )
        assert code == 0, out
        outputs.append(out)
    assert "2000 read, 2000 created" in outputs[0]
    assert "0 created, 2000 already present" in outputs[1]
    first = lines[1].split(",")
    async with app.state.db.transaction() as session:
        at = await session.execute(
            text(
                "SELECT watched_at FROM watch_entry WHERE movie_id = :m ORDER BY watched_at LIMIT 1"
            ),
            {"m": int(first[1])},
        )
        assert at.scalar_one() <= datetime.fromtimestamp(int(first[3]), UTC) + timedelta(seconds=1)
