"""create_app(): health, readiness, problem+json errors, body limit, request ids, pagination."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
import pytest_asyncio
import structlog
from fastapi import APIRouter
from pydantic import BaseModel, Field

from movierec_common import errors as kernel_errors
from movierec_common.cache import create_redis
from movierec_common.db import Database
from movierec_common.direct import DirectRoute, DirectRoutes
from movierec_common.errors import NotFoundError
from movierec_common.pagination import DEFAULT_LIMIT, Limit, Offset, Page, PageParams
from movierec_common.settings import ServiceSettings
from movierec_common.web import create_app


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=10)


def _router() -> APIRouter:
    router = APIRouter(prefix="/things")

    @router.get("")
    async def list_things(limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> Page[Item]:
        page = PageParams(limit=limit, offset=offset)
        items = [Item(name=f"n{i}") for i in range(page.offset, min(page.offset + page.limit, 3))]
        return Page.of(items, total=3, params=page)

    @router.get("/{thing_id}")
    async def get_thing(thing_id: int) -> Item:
        raise NotFoundError(f"Thing {thing_id} not found.")

    @router.post("", status_code=201)
    async def create_thing(item: Item) -> Item:
        return item

    @router.delete("/{thing_id}")
    async def break_thing(thing_id: int) -> None:
        raise RuntimeError(f"a bug met thing {thing_id}")

    @router.put("/{thing_id}")
    async def lose_connection(thing_id: int) -> None:
        # What asyncpg raised on a pooled connection the database's crash had broken.
        raise asyncpg.InternalClientError("cannot switch to state 12; another operation (2)")

    return router


def _app(test_run, *, db_url: str, redis_url: str | None = None, amqp_url: str | None = None):
    settings = ServiceSettings(
        service="things",
        amqp_url=amqp_url or test_run.amqp_url,
        max_body_bytes=2048,
        log_json=False,
    )
    database = Database(db_url)
    redis_client = create_redis(redis_url or test_run.redis_url)
    app = create_app(
        settings=settings,
        title="things",
        version="1.2.3",
        prefix="things",
        routers=[_router()],
        database=database,
        redis_client=redis_client,
    )
    return app, database, redis_client


@pytest_asyncio.fixture(loop_scope="session")
async def client(kernel_db, test_run):
    app, database, redis_client = _app(test_run, db_url=kernel_db.url)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c
    await database.dispose()
    await redis_client.aclose()


async def test_healthz_answers_without_dependencies(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_readyz_reports_every_dependency(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "broker": "ok"}


async def test_readyz_is_503_only_when_the_database_is_unreachable(kernel_db, test_run, tcp_proxy):
    db_proxy = tcp_proxy(kernel_db.url, 5432)
    redis_proxy = tcp_proxy(test_run.redis_url, 6379)
    amqp_proxy = tcp_proxy(test_run.amqp_url, 5672)
    app, database, redis_client = _app(
        test_run,
        db_url=db_proxy.url(kernel_db.url),
        redis_url=redis_proxy.url(test_run.redis_url),
        amqp_url=amqp_proxy.url(test_run.amqp_url),
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        redis_proxy.cut()
        amqp_proxy.cut()
        degraded = await c.get("/readyz")
        assert degraded.status_code == 200
        assert degraded.json()["status"] == "degraded"
        assert degraded.json()["checks"]["redis"] == "unavailable"
        assert degraded.json()["checks"]["broker"] == "unavailable"
        db_proxy.cut()
        down = await c.get("/readyz")
        assert down.status_code == 503
        assert down.json()["checks"]["database"] == "unavailable"
        db_proxy.restore()
        redis_proxy.restore()
        amqp_proxy.restore()
        healed = await c.get("/readyz")
        assert healed.status_code == 200
    await database.dispose()
    await redis_client.aclose()


async def test_validation_errors_are_problem_json_with_field_messages(client):
    response = await client.post("/things", json={"name": ""})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    assert body["errors"][0]["field"] == "name"
    assert "at least 1 character" in body["errors"][0]["message"]


async def test_malformed_json_is_a_clear_422(client):
    response = await client.post(
        "/things", content=b"{name:", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["title"] == "Validation failed"


async def test_business_errors_carry_their_status(client):
    response = await client.get("/things/5")
    assert response.status_code == 404
    assert response.json()["detail"] == "Thing 5 not found."
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_bug_is_one_500_problem_and_one_log_line(client, monkeypatch):
    """The app answers the 500 itself and logs it once; before, Starlette re-raised the
    error to the server, which logged the traceback a second time."""
    with structlog.testing.capture_logs() as logs:
        # A logger not used yet: one an earlier test used is cached (cache_logger_on_first_use)
        # and bypasses the capture.
        monkeypatch.setattr(kernel_errors, "log", structlog.get_logger("movierec.errors"))
        response = await client.delete("/things/7")  # the in-process transport re-raises too
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "An unexpected error occurred."
    assert "x-request-id" in response.headers
    errors = [e for e in logs if e["log_level"] == "error"]
    assert [e["event"] for e in errors] == ["unhandled_error"]


async def test_every_answer_carries_the_security_headers(client):
    answers = [
        await client.get("/things"),
        await client.get("/things/1"),  # a problem
        await client.delete("/things/1"),  # a bug
        await client.post("/things", content=b"x" * 4096),  # too large
        await client.get("/nowhere"),
    ]
    for response in answers:
        assert response.headers["x-content-type-options"] == "nosniff", response.status_code
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"


async def test_a_connection_broken_by_a_database_crash_is_a_503_not_a_bug(client):
    """Found by the crash suite: after PostgreSQL was killed, a pooled connection's
    protocol state was broken and its next statement raised InternalClientError (a 500)."""
    response = await client.put("/things/1")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"


async def test_unknown_route_is_problem_json(client):
    response = await client.get("/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_oversized_body_is_rejected_with_413(client):
    response = await client.post("/things", content=b"x" * 5000)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_oversized_streamed_body_is_rejected_with_413(client):
    async def chunks():
        for _ in range(10):
            yield b"x" * 1000

    response = await client.post(
        "/things", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_oversized_headers_are_refused_with_431(client):
    """uvicorn's parser has no limit of its own (a 10 MB header was accepted)."""
    response = await client.get("/healthz", headers={"X-Filler": "x" * 20_000})
    assert response.status_code == 431
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert (await client.get("/healthz", headers={"X-Filler": "x" * 8_000})).status_code == 200


async def test_request_id_is_echoed_or_generated(client):
    given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(generated.headers["x-request-id"]) == 32


async def test_pagination_envelope_and_limits(client):
    page = await client.get("/things", params={"limit": 2, "offset": 1})
    assert page.json() == {
        "items": [{"name": "n1"}, {"name": "n2"}],
        "total": 3,
        "limit": 2,
        "offset": 1,
    }
    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "ten"}):
        response = await client.get("/things", params=bad)
        assert response.status_code == 422, bad


async def test_metrics_count_requests_by_route_template(client):
    await client.get("/things/42")
    metrics = (await client.get("/metrics")).text
    assert 'route="/things/{thing_id}"' in metrics
    assert "movierec_http_request_duration_seconds" in metrics


async def test_request_durations_are_measured_from_the_request_s_start(client):
    """The latency histogram (and the access log's duration, from the same figure) times the
    request itself: a flag named like the start time once shadowed it, and every duration
    became the clock's reading (8,350,369 ms)."""

    async def seconds_observed() -> float:
        metrics = (await client.get("/metrics")).text
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in metrics.splitlines()
            if line.startswith("movierec_http_request_duration_seconds_sum")
            and 'route="/things"' in line
        )

    before = await seconds_observed()
    for _ in range(3):
        assert (await client.get("/things")).status_code == 200
    assert 0 < await seconds_observed() - before < 10


async def test_docs_live_under_the_service_prefix(client):
    assert (await client.get("/things/openapi.json")).status_code == 200
    assert (await client.get("/things/docs")).status_code == 200


def test_a_direct_route_must_name_a_documented_route():
    router = APIRouter()

    @router.put("/things/{thing_id}")
    async def put_thing(thing_id: int) -> None:
        return None

    async def handler(*args: object) -> None:
        return None

    DirectRoutes([router], [DirectRoute("PUT", "/things/{thing_id}", Item, handler)])
    with pytest.raises(ValueError, match="no documented route"):
        DirectRoutes([router], [DirectRoute("POST", "/things/{thing_id}", Item, handler)])
