"""What every user-data service does the same way (history and ratings, each in turn): the
purge of a deleted user, the demo import, conformance to its OpenAPI document."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import text

from movierec_common.consumer import is_tombstoned
from movierec_common.demo import demo_user_id
from movierec_common.events import UserDeleted
from movierec_common.service import service_spec as installed
from movierec_testkit import (
    asgi_client,
    consuming,
    eventually,
    publish_event,
    run_console,
    serving,
)
from movierec_testkit.openapi import check_openapi
from movierec_userdata.known_movies import add_known_movies
from movierec_userdata.service import purge


@dataclass(frozen=True)
class UserData:
    """How one user-data service's API adds an entry of a movie, and what it says of it."""

    name: str
    add: Callable[[httpx.AsyncClient, int, dict[str, str]], Awaitable[httpx.Response]]
    removed: str  # the event type of a removed entry
    #: Checks of the OpenAPI fuzzing that its rules make moot (see check_openapi).
    excluded_checks: tuple[Any, ...] = ()

    @property
    def path(self) -> str:
        return f"/{self.name}"


SERVICES = {
    "history": UserData(
        "history",
        lambda client, movie, auth: client.post("/history", json={"movie_id": movie}, headers=auth),
        removed="watch.removed",
        # watched_at must lie between 1870 and now: a window JSON Schema cannot state.
        excluded_checks=(positive_data_acceptance,),
    ),
    "ratings": UserData(
        "ratings",
        lambda client, movie, auth: client.put(
            f"/ratings/{movie}", json={"score": 4}, headers=auth
        ),
        removed="rating.removed",
    ),
}


@pytest.fixture(scope="session", params=sorted(SERVICES))
def service_spec(request):
    return installed(request.param)


@pytest.fixture
def service(service_spec) -> UserData:
    return SERVICES[service_spec.name]


async def _outbox(app, routing_key: str) -> list[Any]:
    async with app.state.db.transaction() as session:
        rows = await session.execute(
            text("SELECT body FROM outbox WHERE routing_key LIKE :k ORDER BY id"),
            {"k": routing_key},
        )
        return [json.loads(bytes(r[0])) for r in rows]


async def test_a_deleted_user_is_refused_then_purged_the_normal_way(
    service, service_spec, client, token, app, settings, test_run
):
    user = uuid.uuid4()
    auth = token(user_id=user)
    for movie in (40, 41, 42):
        assert (await service.add(client, movie, auth)).status_code == 201
    async with consuming(service_spec, settings, test_run, "purge") as runtime:
        await publish_event(settings, "user.deleted", UserDeleted(user_id=user))

        async def tombstoned() -> bool:
            async with runtime.database.transaction() as session:
                return await is_tombstoned(session, "user", user)

        await eventually(tombstoned)
    # From the consumer's commit on, the still-valid token cannot write (the tombstone,
    # or already the ended sessions the API process reads every 0.25 s)...
    refused = await service.add(client, 43, auth)
    assert refused.status_code == 401
    ended = "This session has ended; log in again."
    assert refused.json()["detail"] in ("This account has been deleted.", ended)
    # ...nor read, well before the purge...
    started = time.monotonic()
    while (read := await client.get(service.path, headers=auth)).status_code == 200:
        assert time.monotonic() - started < 1.0, "the deleted user's data is still served"
        await asyncio.sleep(0.02)
    assert read.status_code == 401 and read.json()["detail"] == ended
    # ...and the consumer dispatched the purge task through the outbox...
    assert [str(user)] in [body[0] for body in await _outbox(app, "%.tasks")]
    # ...which removes each entry the normal way, with its event.
    assert await purge(app.state.runtime, user) == 3
    removed = await _outbox(app, service.removed)
    mine = [e["payload"]["movie_id"] for e in removed if e["payload"]["user_id"] == str(user)]
    assert sorted(mine) == [40, 41, 42]


async def test_the_demo_import_is_idempotent(
    service, service_env, shared_data_dir, tmp_path, app, client, token
):
    lines = (shared_data_dir / "ratings.csv").read_text().splitlines()[:2001]
    (tmp_path / "movies.csv").write_text("movieId,title,genres\n")
    (tmp_path / "ratings.csv").write_text("\n".join([*lines, "1,2,x,3", ""]))
    async with app.state.db.transaction() as session:
        await add_known_movies(session, {int(line.split(",")[1]): "m" for line in lines[1:]})
    outputs = []
    for _ in range(2):
        code, out = await run_console(
            f"movierec-{service.name}", "import", "--data", str(tmp_path), env=service_env
        )
        assert code == 0, out
        outputs.append(out)
    assert "2000 read, 2000 created" in outputs[0]
    assert "1 malformed" in outputs[0]
    assert "0 created, 2000 already present" in outputs[1]
    mine = await client.get(service.path, headers=token(user_id=demo_user_id(1)))
    assert mine.json()["total"] > 0


async def test_the_api_conforms_to_its_openapi_schema(service, service_spec, live, token):
    counts = await asyncio.to_thread(
        check_openapi,
        f"{live.base_url}/{service_spec.prefix}/openapi.json",
        live.base_url,
        headers=token(user_id=uuid.uuid4()),
        max_examples=20,
        excluded_checks=service.excluded_checks,
    )
    assert counts and all(n > 0 for n in counts.values())


# -- the direct route of each service's volume write (movierec_common.direct) ----------------

#: Requests to the volume write that the direct route serves or hands on: (what, path, body,
#: headers besides the token). Each is sent to the app and to the same app without its
#: direct routes; the two answers must be the same.
_WRITE = {
    "history": ("POST", lambda movie: "/history", lambda movie: {"movie_id": movie}),
    "ratings": ("PUT", lambda movie: f"/ratings/{movie}", lambda movie: {"score": 4}),
}


def _variants(service: str) -> list[tuple[str, str, bytes, list[tuple[str, str]], bool]]:
    """(what, path, body, headers, with a valid token) for ``service``'s volume write."""
    _, path, body = _WRITE[service]
    good = json.dumps(body(7)).encode()
    ct = [("content-type", "application/json")]
    variants = [
        ("valid", path(7), good, ct, True),
        (
            "valid, charset",
            path(8),
            good,
            [("content-type", "application/json; charset=utf-8")],
            True,
        ),
        ("no token", path(7), good, ct, False),
        ("malformed token", path(7), good, [*ct, ("authorization", "Bearer not.a.token")], False),
        ("basic scheme", path(7), good, [*ct, ("authorization", "Basic YTpi")], False),
        ("a second token", path(11), good, [*ct, ("authorization", "Bearer not.a.token")], True),
        ("no content type", path(9), good, [], True),
        ("text/plain", path(7), good, [("content-type", "text/plain")], True),
        ("vendor json", path(10), good, [("content-type", "application/vnd.x+json")], True),
        ("two content types", path(7), good, [*ct, *ct], True),
        ("malformed json", path(7), b'{"movie_id": ', ct, True),
        ("empty body", path(7), b"", ct, True),
        ("extra field", path(7), json.dumps({**body(7), "x": 1}).encode(), ct, True),
        ("unknown movie", path(999_999), json.dumps(body(999_999)).encode(), ct, True),
    ]
    if service == "ratings":
        variants += [
            (f"path {movie!r}", path(movie), good, ct, True)
            for movie in ("0", "abc", "+5", "05", "2147483648", "\u0663", "1.0")
        ]
        variants += [("bad score", path(7), b'{"score": 3.3}', ct, True)]
    else:
        variants += [
            ("idempotency key", path(7), good, [*ct, ("idempotency-key", "k-1")], True),
            ("key with a space", path(7), good, [*ct, ("idempotency-key", "k 1")], True),
            ("key too long", path(7), good, [*ct, ("idempotency-key", "k" * 256)], True),
            (
                "two keys",
                path(7),
                good,
                [*ct, ("idempotency-key", "a"), ("idempotency-key", "b")],
                True,
            ),
            (
                "watched in the future",
                path(7),
                b'{"movie_id": 7, "watched_at": "2999-01-01T00:00:00Z"}',
                ct,
                True,
            ),
        ]
    return variants


def _comparable(response: httpx.Response) -> tuple[Any, ...]:
    """What two answers must share: status, content type, the body's fields (values too
    for problems, but for the request id) and the headers a client acts on."""
    body = response.json() if response.content else None
    if isinstance(body, dict):
        body.pop("request_id", None)
        if response.is_success:
            body = sorted(body)
    return (
        response.status_code,
        response.headers.get("content-type"),
        body,
        response.headers.get("www-authenticate"),
        response.headers.get("idempotent-replayed"),
    )


async def test_the_direct_route_answers_as_the_documented_route(service_spec, settings, app, token):
    method, _, _ = _WRITE[service_spec.name]
    async with (
        serving(replace(service_spec, direct=()), settings) as plain_app,
        asgi_client(app) as direct,
        asgi_client(plain_app) as plain,
    ):
        for what, path, body, headers, with_token in _variants(service_spec.name):
            answers = []
            for client in (direct, plain):
                auth = list(token(user_id=uuid.uuid4()).items()) if with_token else []
                answers.append(
                    await client.request(method, path, content=body, headers=[*auth, *headers])
                )
            assert _comparable(answers[0]) == _comparable(answers[1]), what


async def test_the_direct_route_is_observed_like_any_other(service_spec, app, client, token):
    method, path, body = _WRITE[service_spec.name]
    response = await client.request(method, path(11), json=body(11), headers=token())
    assert response.is_success
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-request-id"]
    metrics = (await client.get("/metrics")).text
    route = "/ratings/{movie_id}" if service_spec.name == "ratings" else "/history"
    assert (
        f'method="{method}",route="{route}",service="{service_spec.name}",status="{response.status_code}"'
        in metrics
    )
