"""Bench cases of the kernel: relay commit-to-publish latency, consumer throughput."""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika

from movierec_common.amqp import (
    EVENT_COUNT_HEADER,
    PACKED_CONTENT_TYPE,
    declare_events_exchange,
    pack_bodies,
)
from movierec_common.db import Database
from movierec_common.events import Event, RatingSet, WatchAdded, make_event
from movierec_common.events.contracts import Payload
from movierec_common.keys import generate_keypair
from movierec_common.outbox import OutboxRelay, event_message, record, record_many
from movierec_common.service import service_specs
from movierec_common.settings import CommonSettings
from movierec_tools.bench_core import Bench, Result, bench_run, percentile
from movierec_tools.scratch import ScratchRun


async def _scratch(settings: CommonSettings) -> tuple[ScratchRun, Database]:
    run = bench_run(settings)
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
            arrivals[str(message.message_id)] = time.perf_counter()
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


async def _run_until(
    run: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
    done: Callable[[], Awaitable[bool]],
    bench: Bench,
) -> float:
    """Run ``run(stop)`` until ``done()`` (or the case's time is up); the seconds it took."""
    stop = asyncio.Event()
    started = time.perf_counter()
    task = asyncio.create_task(run(stop))
    deadline = started + max(120.0, bench.duration * 12)
    while not await done() and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    return elapsed


async def relay_throughput(
    bench: Bench, settings: CommonSettings, *, count: int = 20_000
) -> Result:
    """Events/s the relay publishes with confirms (and deletes) from a backlog of ``count``
    committed outbox rows, to a queue bound to the exchange (runs packed as always)."""
    run, db = await _scratch(settings)
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        channel = await connection.channel()
        exchange = await declare_events_exchange(channel, run.events_exchange)
        queue = await channel.declare_queue(run.queue("relay-throughput"), durable=True)
        await queue.bind(exchange, routing_key="#")
        for chunk in range(0, count, 2000):
            async with db.transaction() as session:
                await record_many(
                    session,
                    [
                        event_message(_rating_event(i + 1), exchange=run.events_exchange)
                        for i in range(chunk, min(count, chunk + 2000))
                    ],
                )
        relay = OutboxRelay(db.url, settings.amqp_url, events_exchange=run.events_exchange)

        async def all_published() -> bool:
            # Counted once the broker confirmed them (it has routed them to the queue).
            return relay.published >= count

        elapsed = await _run_until(relay.run, all_published, bench)
        delivered = relay.published
        declared = await channel.declare_queue(queue.name, durable=True, passive=True)
        messages = declared.declaration_result.message_count or 0
    finally:
        await connection.close()
        await db.dispose()
        await run.cleanup()
    result = Result(
        case="relay: events/s published with confirms from a backlog",
        rps=round(delivered / elapsed, 1),
        p50_ms=0.0,
        p99_ms=0.0,
        errors=count - delivered,
        requests=delivered,
        note=f"{delivered} of {count} outbox rows published, confirmed and deleted in"
        f" {elapsed:.2f} s (batches of {relay.batch_size}, {messages} messages in the queue)",
    )
    bench.results.append(result)
    return result


def _interaction_events(count: int, *, users: int = 500, movies: int = 400) -> list[Event]:
    """rating.set and watch.added events as the two relays deliver them: runs of one type
    (a relay's batch) alternating, over ``users`` users and ``movies`` movies."""
    rng = random.Random(7)
    people = [uuid.uuid4() for _ in range(users)]
    now = datetime.now(UTC)
    events = []
    for i in range(count):
        user, movie = rng.choice(people), rng.randint(1, movies)
        if (i // 100) % 2:
            payload: Payload = WatchAdded(
                entry_id=uuid.uuid4(), user_id=user, movie_id=movie, watched_at=now
            )
            event_type = "watch.added"
        else:
            score = rng.randint(1, 10) / 2
            payload = RatingSet(user_id=user, movie_id=movie, score=score, rated_at=now)
            event_type = "rating.set"
        events.append(make_event(event_type, payload, producer="bench@1", aggregate_version=i + 1))
    return events


def _message(run: list[Event]) -> aio_pika.Message:
    if len(run) == 1:
        return aio_pika.Message(run[0].to_bytes())
    return aio_pika.Message(
        pack_bodies([e.to_bytes() for e in run]),
        content_type=PACKED_CONTENT_TYPE,
        headers={EVENT_COUNT_HEADER: len(run)},
    )


async def consumer_throughput(
    bench: Bench,
    settings: CommonSettings,
    *,
    count: int = 20_000,
    batch_size: int | None = None,
    pack_size: int = 100,
) -> Result:
    """Events/s of the recs service's real consumer (its read-model handlers, batched
    unless ``batch_size`` says otherwise) draining a queue of rating.set / watch.added as
    the relays deliver them (runs of one type packed up to ``pack_size`` a message)."""
    spec = next(s for s in service_specs() if s.name == "recs")
    run = bench_run(settings)
    with tempfile.TemporaryDirectory() as keys:
        generate_keypair(Path(keys) / "signing.pem", Path(keys) / "jwks.json")
        own = await run.service_settings(spec, jwks=Path(keys) / "jwks.json")
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        async with spec.runtime(own, consumer=True) as runtime:
            consumer = runtime.consumer()
            if batch_size is not None:
                consumer.batch_size = batch_size
            # Declare and bind the consumer's queue first, then fill it, then time the drain.
            await consumer.declare_queue()
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(own.events_exchange)
            events = _interaction_events(count)
            # As the relays publish them: each run of one type packed into a message
            # (with ``pack_size`` 1, a message per event).
            runs = [events[i : i + pack_size] for i in range(0, count, pack_size)]
            for chunk in range(0, len(runs), 1000):
                await asyncio.gather(
                    *(
                        exchange.publish(_message(run), routing_key=run[0].type)
                        for run in runs[chunk : chunk + 1000]
                    )
                )

            async def all_applied() -> bool:
                return consumer.applied >= count

            elapsed = await _run_until(consumer.run, all_applied, bench)
    finally:
        await connection.close()
        await run.cleanup()
    per_batch = elapsed / max(1, consumer.batches)
    result = Result(
        case=f"consumer: recs read models, events applied/s (batch ≤ {consumer.batch_size})",
        rps=round(consumer.applied / elapsed, 1),
        p50_ms=round(per_batch * 1000, 2),
        p99_ms=0.0,
        errors=count - consumer.applied,
        requests=consumer.applied,
        note=f"{consumer.applied} rating.set / watch.added events in {len(runs)} messages,"
        f" {consumer.batches} transactions; p50 = mean time per batch",
    )
    bench.results.append(result)
    return result
