"""Admin writes: only admins, validated, evented, visible at once (caches invalidated)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

NEW_MOVIE = {
    "title": "Zyzzyx Road Redux",
    "year": 2024,
    "genres": ["drama", "Thriller"],
    "description": "A heist across a desert nobody maps.",
    "directors": ["Imaginary Director"],
    "actors": ["Person One", "Person Two"],
    "tags": ["desert"],
}


async def _events(app, movie_id: int) -> list[dict]:
    async with app.state.db.transaction() as session:
        rows = await session.execute(
            text("SELECT body FROM outbox WHERE routing_key LIKE 'movie.%' ORDER BY id")
        )
        events = [json.loads(bytes(r[0])) for r in rows]
    return [e for e in events if e["payload"]["movie_id"] == movie_id]


async def test_anonymous_and_non_admin_writes_are_refused(client, token):
    assert (await client.post("/movies", json=NEW_MOVIE)).status_code == 401
    assert (await client.post("/movies", json=NEW_MOVIE, headers=token())).status_code == 403
    assert (
        await client.patch("/movies/1", json={"year": 1990}, headers=token())
    ).status_code == 403
    assert (await client.delete("/movies/1", headers=token())).status_code == 403
    assert (await client.delete("/movies/1")).status_code == 401
    assert (await client.get("/movies/1")).json()["year"] == 1995


async def test_admin_creates_a_searchable_movie_with_a_new_id(client, token, app):
    response = await client.post("/movies", json=NEW_MOVIE, headers=token("admin"))
    assert response.status_code == 201, response.text
    movie = response.json()
    assert movie["id"] >= 10_000_000
    assert movie["genres"] == ["Drama", "Thriller"]
    found = await client.get("/movies", params={"q": "zyzzyx"})
    assert movie["id"] in [m["id"] for m in found.json()["items"]]
    events = await _events(app, movie["id"])
    assert [e["type"] for e in events] == ["movie.upserted"]
    assert events[0]["payload"]["directors"] == ["Imaginary Director"]


async def test_update_is_visible_immediately_despite_the_cache(client, token, app):
    movie = (await client.post("/movies", json=NEW_MOVIE, headers=token("admin"))).json()
    await client.get(f"/movies/{movie['id']}")  # cached now
    await client.get("/movies", params={"q": "zyzzyx"})
    changed = await client.patch(
        f"/movies/{movie['id']}", json={"title": "Quuxley Crossing"}, headers=token("admin")
    )
    assert changed.status_code == 200
    assert (await client.get(f"/movies/{movie['id']}")).json()["title"] == "Quuxley Crossing"
    found = await client.get("/movies", params={"q": "quuxley"})
    assert [m["id"] for m in found.json()["items"]] == [movie["id"]]
    types = [e["type"] for e in await _events(app, movie["id"])]
    assert types == ["movie.upserted", "movie.upserted"]


async def test_unchanged_patch_emits_nothing(client, token, app):
    movie = (await client.post("/movies", json=NEW_MOVIE, headers=token("admin"))).json()
    await client.patch(f"/movies/{movie['id']}", json={"year": 2024}, headers=token("admin"))
    assert len(await _events(app, movie["id"])) == 1


async def test_delete_removes_the_movie_and_emits_movie_deleted(client, token, app):
    movie = (await client.post("/movies", json=NEW_MOVIE, headers=token("admin"))).json()
    await client.get(f"/movies/{movie['id']}")
    assert (
        await client.delete(f"/movies/{movie['id']}", headers=token("admin"))
    ).status_code == 204
    assert (await client.get(f"/movies/{movie['id']}")).status_code == 404
    assert (
        await client.delete(f"/movies/{movie['id']}", headers=token("admin"))
    ).status_code == 404
    events = await _events(app, movie["id"])
    assert [e["type"] for e in events] == ["movie.upserted", "movie.deleted"]
    assert events[0]["aggregate_version"] < events[1]["aggregate_version"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": "x", "year": 1500},
        {"title": "x", "genres": ["Nope"]},
        {"title": "x", "imdb_id": "12345"},
        {"title": "x", "imdb_rating": 11},
        {"title": "x", "id": 5},
    ],
)
async def test_bad_movie_bodies_are_422(client, token, body):
    response = await client.post("/movies", json=body, headers=token("admin"))
    assert response.status_code == 422


async def test_patch_of_an_unknown_movie_is_404(client, token):
    response = await client.patch("/movies/987654321", json={"year": 2000}, headers=token("admin"))
    assert response.status_code == 404


async def test_import_endpoint_runs_in_the_background_with_visible_progress(
    client, token, settings, shared_data_dir
):
    response = await client.post(
        "/movies/imports", json={"data_dir": str(shared_data_dir)}, headers=token("admin")
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] == "queued"
    assert response.headers["location"] == f"/movies/imports/{job['id']}"
    status = await client.get(f"/movies/imports/{job['id']}", headers=token("admin"))
    assert status.json()["status"] == "queued"


async def test_import_endpoint_refuses_folders_outside_the_allowed_roots(client, token, tmp_path):
    (tmp_path / "movies.csv").write_text("movieId,title,genres\n")
    response = await client.post(
        "/movies/imports", json={"data_dir": str(tmp_path)}, headers=token("admin")
    )
    assert response.status_code == 422
    assert "outside" in response.json()["detail"]
    assert (await client.post("/movies/imports", json={}, headers=token())).status_code == 403
    # Outside the roots, an existing folder and a missing one get the same answer.
    missing = await client.post(
        "/movies/imports", json={"data_dir": str(tmp_path / "nope")}, headers=token("admin")
    )
    assert missing.json()["detail"] == response.json()["detail"]


async def test_the_status_of_the_pipeline_is_for_admins(client, token, app):
    """GET /movies/admin/status: the outbox backlog and the service's queues, read-only."""
    assert (await client.get("/movies/admin/status")).status_code == 401
    assert (await client.get("/movies/admin/status", headers=token())).status_code == 403
    answer = await client.get("/movies/admin/status", headers=token(role="admin"))
    assert answer.status_code == 200, answer.text
    status = answer.json()
    assert status["service"] == "movies" and status["broker_reachable"] is True
    async with app.state.db.transaction() as session:
        rows = (await session.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
    assert status["outbox"]["backlog"] == rows
    if rows:  # the oldest waiting row's age (no relay runs here: the import's events wait)
        assert status["outbox"]["oldest_seconds"] >= 0
    else:
        assert status["outbox"]["oldest_seconds"] is None
    assert status["tasks"]["name"].endswith("movies.tasks")
    if status["events"] is not None:  # movies consumes: its queue and dead letters
        assert status["events"]["name"].endswith("movies.events")
        assert status["dead_letters"]["name"] == status["events"]["name"] + ".dead"
    # Kept for a few seconds: a second look within them is the same answer.
    again = (await client.get("/movies/admin/status", headers=token(role="admin"))).json()
    assert again["checked_at"] == status["checked_at"]
