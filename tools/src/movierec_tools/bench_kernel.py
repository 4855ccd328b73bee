"""Bench cases of the kernel: relay commit-to-publish latency, consumer throughput."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime

import aio_pika
from sqlalchemy import text

from movierec_common.amqp import declare_consumer_queue, declare_events_exchange
from movierec_common.consumer import EventConsumer
from movierec_common.db import Database
from movierec_common.events import Event, RatingSet, make_event
from movierec_common.outbox import OutboxRelay, event_message, record
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
