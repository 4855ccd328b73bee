"""The web app's inputs and its origin: the API documents its client is typed from, the
build's freshness, and the one origin that serves it beside the APIs."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import uvicorn
from fastapi import FastAPI, Request, Response

from movierec_testkit import eventually
from movierec_tools import web

WEB = web.WEB_DIR


def test_the_committed_api_documents_are_current():
    """The typed client is generated from these: a changed API must be written again
    (`uv run movierec openapi --write`, then `npm run generate`; CI checks the second)."""
    for name, document in web.openapi_documents().items():
        committed = (WEB / "openapi" / f"{name}.json").read_text()
        assert committed == web.openapi_text(document), (
            f"packages/web/openapi/{name}.json is stale: run `uv run movierec openapi --write`"
            " and `npm run generate` in packages/web"
        )


def test_the_lock_file_records_no_download_address():
    lock = json.loads((WEB / "package-lock.json").read_text())
    assert all("resolved" not in entry for entry in lock["packages"].values())
    assert "omit-lockfile-registry-resolved=true" in (WEB / ".npmrc").read_text()


def test_without_its_sources_the_app_is_not_built_and_says_why(tmp_path):
    with pytest.raises(web.WebBuildError, match="sources are not in"):
        web.ensure_built(tmp_path / "nowhere")


def test_the_build_is_current_until_a_source_changes(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.tsx").write_text("one")
    (tmp_path / "package.json").write_text("{}")
    assert not web.is_current(tmp_path)
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / web.STAMP).write_text(web.sources_digest(tmp_path) + "\n")
    assert web.is_current(tmp_path)
    (tmp_path / "src" / "main.tsx").write_text("two")
    assert not web.is_current(tmp_path)


# -- the origin --------------------------------------------------------------------------

upstream_app = FastAPI()


@upstream_app.api_route("/movies/{rest:path}", methods=["GET", "POST"])
@upstream_app.api_route("/movies", methods=["GET", "POST"])
async def echo(request: Request) -> Response:
    body = {
        "method": request.method,
        "path": request.url.path,
        "query": request.url.query,
        "body": (await request.body()).decode(),
        "authorization": request.headers.get("authorization"),
        "forwarded_for": request.headers.get("x-forwarded-for"),
    }
    return Response(json.dumps(body), status_code=201, media_type="application/json")


@contextlib.asynccontextmanager
async def serving(app) -> AsyncIterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None))
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    await eventually(started, timeout=10)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
def dist(tmp_path) -> Path:
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text("<!doctype html><title>app</title>")
    (folder / "assets" / "index-abc123.js").write_text("console.log(1)")
    (folder / web.STAMP).write_text("digest")
    return folder


@pytest_asyncio.fixture(loop_scope="session")
async def origin(dist) -> AsyncIterator[str]:
    async with serving(upstream_app) as upstream:
        app = web.Origin(dist, {"movies": upstream, "auth": "http://127.0.0.1:9"})
        async with serving(app) as url:
            yield url


async def test_the_origin_passes_api_prefixes_to_their_service(origin):
    async with httpx.AsyncClient(base_url=origin) as client:
        answer = await client.post(
            "/movies/12?x=1&y=2", content=b'{"a":1}', headers={"Authorization": "Bearer t"}
        )
        assert answer.status_code == 201
        seen = answer.json()
        assert seen["path"] == "/movies/12" and seen["query"] == "x=1&y=2"
        assert seen["body"] == '{"a":1}' and seen["authorization"] == "Bearer t"
        assert seen["forwarded_for"] == "127.0.0.1"
        assert (await client.get("/movies")).json()["path"] == "/movies"
        # As at the edge: no API documentation on the public origin.
        assert (await client.get("/movies/docs")).status_code == 404
        assert (await client.get("/movies/openapi.json")).status_code == 404
        # A service that does not answer: 502, as a problem document.
        down = await client.get("/auth/me")
        assert down.status_code == 502 and down.json()["title"] == "Bad Gateway"


async def test_the_origin_serves_the_app_and_its_routes(origin):
    async with httpx.AsyncClient(base_url=origin) as client:
        page = await client.get("/")
        assert page.status_code == 200 and "<title>app</title>" in page.text
        assert page.headers["cache-control"] == "no-cache"
        assert "default-src 'self'" in page.headers["content-security-policy"]
        # The app's own routes get its page; a path under an API prefix never does.
        for route in ("/movie/858", "/me/ratings", "/search"):
            assert (await client.get(route)).text == page.text
        asset = await client.get("/assets/index-abc123.js")
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert asset.headers["content-type"].startswith("text/javascript")
        assert (await client.get("/assets/missing.js")).status_code == 404
        for escape in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/assets/..%2f..%2fx"):
            assert "root:" not in (await client.get(escape)).text
        assert (await client.get(f"/{web.STAMP}")).status_code == 404
        assert (await client.post("/")).status_code == 405
        assert (await client.get("/healthz")).text == "ok\n"


async def test_without_a_build_the_origin_says_why(tmp_path):
    app = web.Origin(None, {}, no_app="Node.js is missing")
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as client:
        page = await client.get("/")
        assert page.status_code == 503 and "Node.js is missing" in page.text
