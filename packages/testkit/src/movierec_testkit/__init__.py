"""Test kit reused by every package's tests (loaded as a pytest plugin from the root config;
a dev-only package, never installed in an image).

Everything a test run creates is named after the run, so runs never see each other's
data: databases ``mrt_<run>_<name>``, Redis keys under ``mrt:<run>:``, RabbitMQ exchange
``movierec.events.mrt_<run>`` and queues prefixed with the run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from movierec_common.cache import Cache
from movierec_common.consumer import publish_raw
from movierec_common.events import make_event
from movierec_common.events.contracts import Payload
from movierec_common.operations import queue_depths
from movierec_common.outbox import OutboxRelay
from movierec_common.service import Runtime, ServiceSpec
from movierec_common.settings import ServiceSettings
from movierec_testkit.proxy import TcpProxy
from movierec_tools.processes import console_script
from movierec_tools.scratch import ScratchRun

__all__ = [
    "TcpProxy",
    "asgi_client",
    "consumer_attached",
    "consuming",
    "eventually",
    "publish_event",
    "relaying",
    "run_console",
    "serving",
]


async def eventually(
    check: Callable[[], Awaitable[bool]], *, timeout: float = 10.0, interval: float = 0.02
) -> None:
    """Poll ``check`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


async def consumer_attached(amqp_url: str, queue: str, *, timeout: float = 120.0) -> None:
    """Until a consumer takes ``queue``'s messages (a consumer process just started
    takes seconds to import and connect, more on a busy machine)."""

    async def attached() -> bool:
        return bool((await queue_depths(amqp_url, [queue]))[queue].consumers)

    await eventually(attached, timeout=timeout, interval=0.2)


@asynccontextmanager
async def serving(spec: ServiceSpec[Any, Any], settings: Any) -> AsyncIterator[FastAPI]:
    """The service's app with its lifespan running, as a server runs it (cache listeners,
    background loops; the connections are closed at the end)."""
    app = spec.create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def asgi_client(
    app: FastAPI, base_url: str = "http://test"
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to ``app`` in process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        yield client


async def run_console(script: str, *args: str, env: Mapping[str, str]) -> tuple[int, str]:
    """Run the console script ``script`` (e.g. ``movierec-history``) to completion: its exit
    code and its combined output."""
    proc = await asyncio.create_subprocess_exec(
        console_script(script),
        *args,
        env=dict(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL,
    )
    out, _ = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(errors="replace")


@asynccontextmanager
async def consuming(
    spec: ServiceSpec[Any, Any], settings: ServiceSettings, run: ScratchRun, name: str
) -> AsyncIterator[Runtime[Any, Any]]:
    """The service's consumer running in this process on a queue of its own (namespace
    ``<run>-<name>``: other tests' consumers do not take its events); yields its runtime."""
    own = settings.model_copy(update={"namespace": f"{run.namespace}-{name}"})
    run.namespaces.add(own.namespace)
    async with spec.runtime(own) as runtime:
        # Cache keys as the app under test has them: its invalidations reach that app.
        runtime.cache = Cache.for_service(runtime.redis, settings)
        consumer = runtime.consumer()
        await consumer.declare_queue()
        async with running(consumer.run):
            yield runtime


@asynccontextmanager
async def relaying(settings: ServiceSettings) -> AsyncIterator[OutboxRelay]:
    """The relay of the service's database running in this process (it publishes every
    row of that outbox to the run's exchange)."""
    relay = OutboxRelay(
        settings.resolved_database_url, settings.amqp_url, events_exchange=settings.events_exchange
    )
    async with running(relay.run):
        yield relay


@asynccontextmanager
async def running(run: Callable[[asyncio.Event], Coroutine[Any, Any, None]]) -> AsyncIterator[None]:
    """``run(stop)`` (a relay's, a consumer's loop) as a task for the block's duration."""
    stop = asyncio.Event()
    task = asyncio.create_task(run(stop))
    try:
        yield
    finally:
        stop.set()
        await task


async def publish_event(
    settings: ServiceSettings, event_type: str, payload: Payload, *, version: int = 10**9
) -> None:
    """Publish one event as its producer's relay would (a high version: it is the newest)."""
    event = make_event(event_type, payload, producer="test", aggregate_version=version)
    await publish_raw(settings.amqp_url, settings.events_exchange, event.type, event.to_bytes())
