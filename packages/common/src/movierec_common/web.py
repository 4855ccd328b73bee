"""``create_app()``: the FastAPI app every service starts from.

It adds ``/healthz`` (process alive), ``/readyz`` (database, Redis and broker status; 503
only when the database is unreachable), ``/metrics`` (Prometheus), a request id and one
structured log line per request, problem+json errors, a request body size limit and docs
under the service's own prefix (``/<prefix>/docs``, ``/<prefix>/openapi.json``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import redis.asyncio as redis
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from movierec_common.cache import Cache
from movierec_common.db import Database
from movierec_common.direct import DirectRoute, DirectRoutes
from movierec_common.errors import install_error_handlers, problem, problem_openapi, server_error
from movierec_common.logging import (
    REQUEST_ID,
    configure_logging,
    defer_info_lines,
    flush_log_lines,
    get_logger,
)
from movierec_common.operations import status_router
from movierec_common.servers import server_urls
from movierec_common.settings import ServiceSettings

if TYPE_CHECKING:
    from movierec_common.service import Runtime

log = get_logger("movierec.access")

REQUESTS = Counter(
    "movierec_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "movierec_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
#: On every answer: no content sniffing, no framing, no referrer leaving with a link.
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


#: Requests whose headers are larger get 431 (nginx, at the edge, refuses them before
#: buffering them: ``large_client_header_buffers``; uvicorn's parser has no limit).
MAX_HEADER_BYTES = 16 * 1024


def _read_headers(scope: Scope) -> tuple[str, int | None, bool, int]:
    """The request's own id (or ""), its declared body length (-1: unreadable; None: not
    declared), whether it has a body, and the size of its headers."""
    incoming = ""
    declared: int | None = None
    has_body = False
    size = 0
    for name, value in scope["headers"]:
        size += len(name) + len(value) + 4
        if name == b"x-request-id":
            incoming = value.decode("latin-1")
        elif name == b"content-length":
            has_body = True
            try:
                declared = int(value)
            except ValueError:
                declared = -1
        elif name == b"transfer-encoding":
            has_body = True
    return incoming, declared, has_body, size


class KernelMiddleware:
    """Request id, access log, Prometheus metrics and the body size limit in one pure ASGI
    layer (each extra layer costs measurably per request on the hot cached paths)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        max_body_bytes: int,
        access_log: bool = True,
        direct: DirectRoutes | None = None,
    ) -> None:
        self.app = app
        self.direct = direct
        self.service = service
        self.max_bytes = max_body_bytes
        self.access_log = access_log
        self._requests: dict[tuple[str, str, int], Any] = {}
        self._latency: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming, declared, has_body, header_bytes = _read_headers(scope)
        if header_bytes > MAX_HEADER_BYTES:
            response = problem(431, f"Request headers larger than {MAX_HEADER_BYTES} bytes.")
            response.raw_headers.extend(SECURITY_HEADERS)
            await response(scope, receive, send)
            self._observe(scope, 431, 0.0)
            return
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope["request_id"] = request_id
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500
        header = (b"x-request-id", request_id.encode("latin-1"))
        too_large = declared is not None and (declared < 0 or declared > self.max_bytes)
        replaced = False
        answering = False  # the response has started

        async def send_wrapper(message: Message) -> None:
            nonlocal status, replaced, answering
            if too_large:
                if not replaced:
                    replaced = True
                    await self._reject(scope, receive, send, header)
                return
            if message["type"] == "http.response.start":
                answering = True
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header, *SECURITY_HEADERS]
            await send(message)

        received = 0

        async def limited_receive() -> Message:
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Stop reading; whatever the app answers is replaced by a 413.
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        try:
            if too_large:
                await self._reject(scope, receive, send, header)
                status = 413
            else:
                try:
                    app = self._app_for(scope)
                    await app(scope, limited_receive if has_body else receive, send_wrapper)
                except Exception as exc:
                    if not too_large:
                        if answering:
                            raise  # cut short mid-answer: the server closes the connection
                        await self._answer_bug(scope, exc, send_wrapper)
                if too_large:
                    status = 413
                    if not replaced:
                        await self._reject(scope, receive, send, header)
        finally:
            self._observe(scope, status, time.perf_counter() - started)
            REQUEST_ID.reset(token)

    def _app_for(self, scope: Scope) -> ASGIApp:
        """The direct route serving the request (movierec_common.direct), or the app."""
        if self.direct:
            matched = self.direct.match(scope)
            if matched is not None:
                return partial(matched.serve, fallback=self.app)
        return self.app

    @staticmethod
    async def _answer_bug(scope: Scope, exc: Exception, send: Send) -> None:
        """A 500, answered and logged here, once: past this layer Starlette would re-raise
        the error to the server, which logs the traceback a second time."""
        response = server_error(Request(scope), exc)
        start = {"status": response.status_code, "headers": response.raw_headers}
        await send({"type": "http.response.start", **start})
        await send({"type": "http.response.body", "body": response.body})

    def _observe(self, scope: Scope, status: int, elapsed: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "<unmatched>"
        method = scope["method"]
        counter = self._requests.get((method, template, status))
        if counter is None:
            counter = REQUESTS.labels(self.service, method, template, str(status))
            self._requests[(method, template, status)] = counter
        counter.inc()
        histogram = self._latency.get((method, template))
        if histogram is None:
            histogram = LATENCY.labels(self.service, method, template)
            self._latency[(method, template)] = histogram
        histogram.observe(elapsed)
        if self.access_log and template not in ("/healthz", "/metrics"):
            log.info(
                "request",
                method=method,
                path=scope["path"],
                route=template,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
            )

    async def _reject(
        self, scope: Scope, receive: Receive, send: Send, header: tuple[bytes, bytes]
    ) -> None:
        response = problem(
            413, f"Request body larger than {self.max_bytes} bytes.", request=Request(scope)
        )
        response.raw_headers.extend((header, *SECURITY_HEADERS))
        await response(scope, receive, send)


async def _tcp_reachable(url: str, default_port: int, timeout: float = 0.5) -> bool:
    """Whether one of the URL's servers accepts a TCP connection."""
    for server in server_urls(url):
        parts = urlsplit(server)
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or default_port),
                timeout,
            )
        except (OSError, TimeoutError):
            continue
        writer.close()
        return True
    return False


Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def _freeze_startup_objects() -> None:
    """Keep what start-up built (modules, routes, models, caches) out of the cyclic garbage
    collector's full passes: walking them took tens of milliseconds, a pause every request
    in flight waited for (the p99 of writes)."""
    gc.collect()
    gc.freeze()


def create_app(
    *,
    settings: ServiceSettings,
    title: str,
    version: str,
    prefix: str,
    routers: Sequence[APIRouter] = (),
    database: Database | None = None,
    redis_client: redis.Redis | None = None,
    caches: Sequence[Cache] = (),
    lifespan: Lifespan | None = None,
    description: str = "",
    direct: Sequence[DirectRoute] = (),
) -> FastAPI:
    """Build a FastAPI app with the kernel's cross-cutting behaviour. The app's lifespan
    closes ``database`` and ``redis_client``, and keeps the local layers of ``caches`` in
    step with other processes' invalidations; ``direct`` routes serve the happy path of
    documented routes without FastAPI's machinery (movierec_common.direct)."""
    configure_logging(settings.log_level, json=settings.log_json)

    @asynccontextmanager
    async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        listeners = [asyncio.create_task(cache.listen(stop)) for cache in caches if cache.local_ttl]
        # The access log's lines go out in blocks while the app serves (LogLines).
        defer_info_lines()
        try:
            if lifespan is not None:
                async with lifespan(app):
                    _freeze_startup_objects()
                    yield
            else:
                _freeze_startup_objects()
                yield
        finally:
            stop.set()
            await asyncio.gather(*listeners, return_exceptions=True)
            if database is not None:
                await database.dispose()
            if redis_client is not None:
                await redis_client.aclose()
            flush_log_lines()

    app = FastAPI(
        title=title,
        version=version,
        description=description,
        docs_url=f"/{prefix}/docs",
        redoc_url=f"/{prefix}/redoc",
        openapi_url=f"/{prefix}/openapi.json",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    install_error_handlers(app)
    problem_openapi(app)

    ops = APIRouter(tags=["operations"])

    @ops.get("/healthz", summary="Process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": settings.service, "version": version}

    @ops.get(
        "/readyz",
        summary="Dependencies' status; 503 only when the database is unreachable",
        responses={503: {"description": "The database is unreachable"}},
    )
    async def readyz() -> JSONResponse:
        checks: dict[str, str] = {}
        tasks: dict[str, Any] = {}
        if database is not None:
            tasks["database"] = database.ping(timeout=2)
        if redis_client is not None:
            tasks["redis"] = _redis_ok(redis_client)
        tasks["broker"] = _tcp_reachable(settings.amqp_url, 5672)
        results = await asyncio.gather(*tasks.values())
        for name, ok in zip(tasks, results, strict=True):
            checks[name] = "ok" if ok else "unavailable"
        db_ok = checks.get("database", "ok") == "ok"
        status = "ready" if all(v == "ok" for v in checks.values()) else "degraded"
        if not db_ok:
            status = "unavailable"
        body = {"status": status, "service": settings.service, "version": version, "checks": checks}
        return JSONResponse(body, status_code=200 if db_ok else 503)

    @ops.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.include_router(ops)
    for router in routers:
        app.include_router(router)

    app.add_middleware(
        KernelMiddleware,
        service=settings.service,
        max_body_bytes=settings.max_body_bytes,
        access_log=settings.access_log,
        direct=DirectRoutes(routers, direct),
    )
    return app


def create_service_app(runtime: Runtime[Any, Any]) -> FastAPI:
    """A service's app from its spec: its database, Redis and cache, its routers, the
    service object (``app.state.service``, see ``current_service``) and its lifespan."""
    spec = runtime.spec
    service = runtime.service
    service_lifespan = spec.lifespan

    revocations = runtime.revocations

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Ended sessions are known before the first request, then followed.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(revocations.refresh(), 5)
        stop = asyncio.Event()
        following = asyncio.create_task(revocations.follow(stop))
        try:
            if service_lifespan is None:
                yield
            else:
                async with service_lifespan(service):
                    yield
        finally:
            stop.set()
            await following

    app = create_app(
        settings=runtime.settings,
        title=spec.title,
        version=spec.version,
        prefix=spec.prefix,
        routers=[*spec.routers, status_router(spec.prefix)],
        database=runtime.database,
        redis_client=runtime.redis,
        caches=[runtime.cache],
        lifespan=lifespan,
        description=spec.description,
        direct=spec.direct,
    )
    app.state.runtime = runtime
    app.state.service = service
    app.state.revocations = revocations
    return app


async def _redis_ok(client: redis.Redis) -> bool:
    try:
        return bool(await asyncio.wait_for(client.ping(), 1.0))
    except Exception:  # noqa: BLE001 - any failure means "not ok"
        return False
