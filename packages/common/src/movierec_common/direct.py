"""Direct routes: the happy path of a volume endpoint without FastAPI's routing and
dependency solving.

A user's writes (PUT /ratings/{id}, POST /history) are the platform's volume path. Through
FastAPI, routing, the dependency solver and the exception layers cost about half of such a
request's CPU, more than the write's own round trip. A :class:`DirectRoute` serves the
same documented route (the FastAPI route stays: it is the OpenAPI document, the metrics'
route label and the fallback) for requests that are plainly valid: ids in the path, a JSON
body that the route's own model accepts, a verified bearer token of a live session.
Anything else (no or bad token, a body or path that does not validate, another content
type, a header the handler cannot take) falls through to the FastAPI route with the body
replayed, so every refusal is answered exactly as documented. Errors raised while serving
are answered by the app's own exception handlers, as FastAPI would.

The kernel middleware dispatches them (:class:`DirectRoutes`), inside its request id, log,
metrics and body-size limit, so a direct request is observed like any other.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from movierec_common.auth import Principal, authenticate
from movierec_common.errors import UnauthorizedError

#: A direct route's handler: (the service object, the caller, the path's ids by name, the
#: validated body, the request's headers) → the response, or None to let FastAPI answer.
DirectHandler = Callable[
    [Any, Principal, dict[str, int], Any, list[tuple[bytes, bytes]]], Awaitable[Response | None]
]

_MAX_ID = 2_147_483_647
_JSON = (b"application/json", b"application/json; charset=utf-8")


@dataclass(frozen=True)
class DirectRoute:
    """A documented route's happy path. Its path parameters must be ids (1 … 2³¹−1, as
    ``Path(ge=1, le=2_147_483_647)`` documents them), its body one model."""

    method: str
    path: str
    body: type[BaseModel]
    handler: DirectHandler


def _id(text: str) -> int | None:
    """A path id as FastAPI would read it, or None when it is anything but plain digits
    within range (FastAPI then answers, a value or a 422 as documented)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    value = int(text)
    return value if 1 <= value <= _MAX_ID else None


class _Bound:
    """A direct route bound to the app's FastAPI route of the same method and path."""

    def __init__(self, direct: DirectRoute, route: APIRoute) -> None:
        self.direct = direct
        self.route = route

    def ids(self, path: str) -> dict[str, int] | None:
        match = self.route.path_regex.match(path)
        if match is None:
            return None
        ids: dict[str, int] = {}
        for name, text in match.groupdict().items():
            value = _id(text)
            if value is None:
                return None
            ids[name] = value
        return ids


class DirectRoutes:
    """The app's direct routes by method, each bound to its documented route."""

    def __init__(self, routers: Sequence[APIRouter], routes: Sequence[DirectRoute]) -> None:
        documented = [route for router in routers for route in router.routes]
        self._by_method: dict[str, list[_Bound]] = {}
        for direct in routes:
            route = next(
                (
                    r
                    for r in documented
                    if isinstance(r, APIRoute)
                    and r.path == direct.path
                    and direct.method in (r.methods or ())
                ),
                None,
            )
            if route is None:
                raise ValueError(
                    f"direct route {direct.method} {direct.path} has no documented route"
                )
            self._by_method.setdefault(direct.method, []).append(_Bound(direct, route))

    def __bool__(self) -> bool:
        return bool(self._by_method)

    def match(self, scope: Scope) -> _Match | None:
        """The direct route serving this request's method and path, if any."""
        for bound in self._by_method.get(scope["method"], ()):
            ids = bound.ids(scope["path"])
            if ids is not None:
                return _Match(bound, ids)
        return None


@dataclass(frozen=True)
class _Match:
    bound: _Bound
    ids: dict[str, int]

    async def serve(self, scope: Scope, receive: Receive, send: Send, fallback: ASGIApp) -> None:
        """Answer the request, or hand it to ``fallback`` (the FastAPI app) with its body."""
        body = await _read_body(receive)
        if body is None:
            return  # the client left, or the body is over the limit (the middleware answers)
        replay = _replaying(body, receive)
        app: FastAPI = scope["app"]
        direct = self.bound.direct
        principal = _principal(app, scope)
        content = _body(direct.body, scope, body) if principal is not None else None
        if principal is None or content is None:
            await fallback(scope, replay, send)
            return
        scope["route"] = self.bound.route
        scope["path_params"] = self.ids
        try:
            response = await direct.handler(
                app.state.service, principal, self.ids, content, scope["headers"]
            )
        except Exception as exc:  # noqa: BLE001 - answered as FastAPI would, or raised on
            response = await _handled(app, scope, exc)
        if response is None:
            await fallback(scope, replay, send)
            return
        await response(scope, replay, send)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None if the client disconnected first."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """``receive`` that gives the body already read once more, then reads on."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replay


def _principal(app: FastAPI, scope: Scope) -> Principal | None:
    """The caller, as the bearer dependency finds it (the first ``Authorization`` header,
    as Starlette reads it), or None: FastAPI's dependency then refuses the request."""
    authorization = next(
        (value.decode("latin-1") for name, value in scope["headers"] if name == b"authorization"),
        None,
    )
    try:
        return authenticate(app, authorization)
    except UnauthorizedError:
        return None


def _body(model: type[BaseModel], scope: Scope, body: bytes) -> BaseModel | None:
    """The body as the route's model when it is JSON that validates, else None."""
    content_type = None
    for name, value in scope["headers"]:
        if name == b"content-type":
            if content_type is not None:
                return None
            content_type = value.lower()
    if content_type not in _JSON:
        return None
    try:
        # Parsed, then validated as Python data: the way FastAPI validates a JSON body.
        return model.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, ValidationError):
        return None


async def _handled(app: FastAPI, scope: Scope, exc: Exception) -> Response:
    """The app's own answer to ``exc`` (its exception handlers, as FastAPI would call
    them); an error no handler takes is raised on to the kernel middleware (a 500)."""
    handlers = app.exception_handlers
    for cls in type(exc).__mro__:
        handler = handlers.get(cls)
        if handler is not None:
            response = handler(Request(scope), exc)
            return await response if inspect.isawaitable(response) else response
    raise exc
