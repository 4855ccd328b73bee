"""``movierec bench``: the project's one benchmark tool.

Every run starts a bare FastAPI hello endpoint as the baseline and measures it in the same
run as the cases, so results are reported as ratios that survive a noisy machine. Loopback
only; every case is bounded in time and in count.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import aio_pika
import httpx
from sqlalchemy import text

from movierec_common.amqp import declare_consumer_queue, declare_events_exchange
from movierec_common.consumer import EventConsumer
from movierec_common.db import Database
from movierec_common.events import Event, RatingSet, make_event
from movierec_common.outbox import OutboxRelay, event_message, record
from movierec_common.settings import CommonSettings
from movierec_common.testkit.resources import TestRun


@dataclass
class Result:
    case: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    note: str = ""
    ratio: float | None = None
    extra: dict = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url, timeout=1)).status_code < 500:
                    return
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


class Bench:
    def __init__(self, *, duration: float, connections: int, max_requests: int) -> None:
        self.duration = duration
        self.connections = connections
        self.max_requests = max_requests
        self.results: list[Result] = []
        self._servers: list[subprocess.Popen] = []

    # -- HTTP --------------------------------------------------------------------------

    def start_server(self, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        proc = subprocess.Popen(
            argv,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._servers.append(proc)
        return proc

    def stop_servers(self) -> None:
        for proc in self._servers:
            proc.terminate()
        for proc in self._servers:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self._servers.clear()

    async def http_case(
        self,
        name: str,
        base_url: str,
        requests: list[dict],
        *,
        connections: int | None = None,
        note: str = "",
    ) -> Result:
        argv = [
            sys.executable,
            "-m",
            "movierec_tools.loadgen",
            "--base-url",
            base_url,
            "--requests",
            json.dumps(requests),
            "--connections",
            str(connections or self.connections),
            "--duration",
            str(self.duration),
            "--max-requests",
            str(self.max_requests),
        ]
        proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE)
        out, _ = await proc.communicate()
        data = json.loads(out)
        result = Result(
            case=name,
            rps=data["rps"],
            p50_ms=data["p50_ms"],
            p99_ms=data["p99_ms"],
            errors=data["errors"],
            requests=data["requests"],
            note=note,
            extra={"statuses": data["statuses"]},
        )
        self.results.append(result)
        return result

    async def baseline(self) -> Result:
        port = free_port()
        self.start_server(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "movierec_tools.hello:app",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ]
        )
        await wait_http(f"http://127.0.0.1:{port}/hello")
        return await self.http_case(
            "baseline: bare FastAPI GET /hello",
            f"http://127.0.0.1:{port}",
            [{"path": "/hello"}],
        )

    # -- report ------------------------------------------------------------------------

    def report(self) -> str:
        base = next((r for r in self.results if r.case.startswith("baseline")), None)
        for r in self.results:
            r.ratio = round(r.rps / base.rps, 3) if base and base.rps else None
        header = f"{'case':<58} {'RPS':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'×base':>7}"
        lines = [header, "-" * len(header)]
        for r in self.results:
            ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
            lines.append(
                f"{r.case:<58} {r.rps:>10.1f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f}"
                f" {r.errors:>7} {ratio:>7}"
            )
            if r.note:
                lines.append(f"    {r.note}")
        return "\n".join(lines)


# -- kernel cases: relay and consumer ----------------------------------------------------


async def _scratch(settings: CommonSettings) -> tuple[TestRun, Database]:
    run = TestRun(
        postgres_url=settings.postgres_url, redis_url=settings.redis_url, amqp_url=settings.amqp_url
    )
    url = await run.create_database("bench")
    return run, Database(url)


def _rating_event(version: int) -> Event:
    return make_event(
        "rating.set",
        RatingSet(user_id=uuid.uuid4(), movie_id=1, score=4.0, rated_at=datetime.now(UTC)),
        producer="bench@1",
        aggregate_version=version,
    )


async def relay_latency(bench: Bench, settings: CommonSettings, *, count: int = 300) -> Result:
    """Commit-to-publish latency: commit one outbox row, time until a consumer receives it."""
    run, db = await _scratch(settings)
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        channel = await connection.channel()
        exchange = await declare_events_exchange(channel, run.events_exchange)
        queue = await channel.declare_queue(run.queue("relay-bench"), exclusive=True)
        await queue.bind(exchange, routing_key="#")
        arrivals: dict[str, float] = {}
        arrived = asyncio.Event()

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            arrivals[message.message_id] = time.perf_counter()
            await message.ack()
            arrived.set()

        await queue.consume(on_message)
        relay = OutboxRelay(db.url, settings.amqp_url, events_exchange=run.events_exchange)
        stop = asyncio.Event()
        task = asyncio.create_task(relay.run(stop))
        await asyncio.sleep(0.5)
        latencies: list[float] = []
        errors = 0
        started = time.perf_counter()
        deadline = started + bench.duration * 4
        for i in range(count):
            if time.perf_counter() > deadline:
                break
            message = event_message(_rating_event(i + 1), exchange=run.events_exchange)
            arrived.clear()
            async with db.transaction() as session:
                await record(session, message)
            committed = time.perf_counter()
            try:
                while str(message.message_id) not in arrivals:
                    await asyncio.wait_for(arrived.wait(), 5)
                    arrived.clear()
            except TimeoutError:
                errors += 1
                continue
            latencies.append(arrivals[str(message.message_id)] - committed)
        elapsed = time.perf_counter() - started
        stop.set()
        await task
    finally:
        await connection.close()
        await db.dispose()
        await run.cleanup()
    result = Result(
        case="relay: commit → publish → delivered (sequential)",
        rps=round(len(latencies) / elapsed, 1),
        p50_ms=round(statistics.median(latencies) * 1000, 2) if latencies else 0.0,
        p99_ms=round(percentile(latencies, 0.99) * 1000, 2),
        errors=errors,
        requests=len(latencies),
        note=f"{len(latencies)} messages, one transaction each; latency from COMMIT to delivery",
    )
    bench.results.append(result)
    return result


async def consumer_throughput(
    bench: Bench, settings: CommonSettings, *, count: int = 5000, batch_size: int = 200
) -> Result:
    """Events/s of the batched idempotent consumer applying events to PostgreSQL."""
    run, db = await _scratch(settings)
    async with db.transaction() as session:
        await session.execute(text("CREATE TABLE applied (aggregate_id text PRIMARY KEY, n int)"))

    async def handler(session, event: Event) -> None:
        await session.execute(
            text(
                "INSERT INTO applied VALUES (:a, 1)"
                " ON CONFLICT (aggregate_id) DO UPDATE SET n = applied.n + 1"
            ),
            {"a": event.aggregate_id},
        )

    consumer = EventConsumer(
        database=db,
        amqp_url=settings.amqp_url,
        events_exchange=run.events_exchange,
        queue=run.queue(f"consumer-bench-{batch_size}"),
        handlers={"rating.set": handler},
        batch_size=batch_size,
    )
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        # Declare and bind the consumer's queue first, then fill it, then time the drain.
        channel = await connection.channel(publisher_confirms=True)
        await declare_consumer_queue(
            channel,
            events_exchange=run.events_exchange,
            queue=consumer.queue_name,
            routing_keys=consumer.routing_keys,
        )
        exchange = await channel.get_exchange(run.events_exchange)
        events = [_rating_event(i + 1) for i in range(count)]
        for chunk in range(0, count, 500):
            await asyncio.gather(
                *(
                    exchange.publish(aio_pika.Message(e.to_bytes()), routing_key=e.type)
                    for e in events[chunk : chunk + 500]
                )
            )
        stop = asyncio.Event()
        started = time.perf_counter()
        task = asyncio.create_task(consumer.run(stop))
        deadline = started + max(60.0, bench.duration * 12)
        while consumer.applied < count and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
        stop.set()
        await task
    finally:
        await connection.close()
        await db.dispose()
        await run.cleanup()
    per_batch = elapsed / max(1, consumer.batches)
    result = Result(
        case=f"consumer: events applied/s (batch ≤ {batch_size})",
        rps=round(consumer.applied / elapsed, 1),
        p50_ms=round(per_batch * 1000, 2),
        p99_ms=0.0,
        errors=count - consumer.applied,
        requests=consumer.applied,
        note=f"{consumer.applied} events in {consumer.batches} transactions;"
        " p50 = mean time per batch",
    )
    bench.results.append(result)
    return result


Case = Callable[[Bench, CommonSettings], Awaitable[Result]]

KERNEL_CASES: dict[str, Case] = {
    "relay": relay_latency,
    "consumer": consumer_throughput,
    "consumer-unbatched": lambda b, s: consumer_throughput(b, s, count=2000, batch_size=1),
}


async def run_bench(
    *, cases: list[str], duration: float, connections: int, max_requests: int, as_json: bool
) -> str:
    settings = CommonSettings()
    bench = Bench(duration=duration, connections=connections, max_requests=max_requests)
    try:
        await bench.baseline()
        for name in cases:
            await KERNEL_CASES[name](bench, settings)
    finally:
        bench.stop_servers()
    table = bench.report()
    if as_json:
        return json.dumps([asdict(r) for r in bench.results], indent=2)
    return table
