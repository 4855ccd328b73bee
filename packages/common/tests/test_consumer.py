"""The consumer applies each event once, in version order, and never stops on bad input."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import aio_pika
import aiormq
import pytest
import pytest_asyncio
import structlog
from sqlalchemy import text

from movierec_common import consumer as consumer_module
from movierec_common.amqp import EVENT_COUNT_HEADER, PACKED_CONTENT_TYPE, connect, pack_bodies
from movierec_common.consumer import EventConsumer, publish_raw
from movierec_common.db import Database
from movierec_common.events import (
    Event,
    RatingSet,
    UserDeleted,
    WatchAdded,
    make_event,
)
from movierec_testkit import eventually

POISON_MOVIE = 666


async def _record(session, event: Event) -> None:
    if event.payload.get("movie_id") == POISON_MOVIE:
        raise ValueError("this handler cannot digest movie 666")
    await session.execute(
        text("INSERT INTO applied (event_id, type, aggregate_id, version) VALUES (:i, :t, :a, :v)"),
        {"i": event.id, "t": event.type, "a": event.aggregate_id, "v": event.aggregate_version},
    )


HANDLERS = {"rating.set": _record, "watch.added": _record, "user.deleted": _record}


@pytest_asyncio.fixture(loop_scope="session")
async def applied_db(kernel_db):
    async with kernel_db.transaction() as session:
        await session.execute(
            text(
                "CREATE TABLE applied (event_id uuid, type text, aggregate_id text, version bigint)"
            )
        )
    return kernel_db


async def _applied(db) -> list[tuple[str, str, int]]:
    async with db.transaction() as session:
        rows = await session.execute(
            text("SELECT type, aggregate_id, version FROM applied ORDER BY version")
        )
        return [tuple(r) for r in rows]


def _rating(user: uuid.UUID, movie: int, version: int, score: float = 4.0) -> Event:
    return make_event(
        "rating.set",
        RatingSet(user_id=user, movie_id=movie, score=score, rated_at=datetime.now(UTC)),
        producer="ratings@test",
        aggregate_version=version,
    )


class Running:
    def __init__(self, consumer: EventConsumer) -> None:
        self.consumer = consumer
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(consumer.run(self.stop))

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 10)


def _consumer(db, test_run, name: str, amqp_url: str | None = None, **kw) -> EventConsumer:
    return EventConsumer(
        database=db,
        amqp_url=amqp_url or test_run.amqp_url,
        events_exchange=test_run.events_exchange,
        queue=test_run.queue(name),
        handlers=HANDLERS,
        max_backoff=0.2,
        **kw,
    )


async def _started(consumer: EventConsumer) -> Running:
    # The queue is declared and bound first, so events published next are routed to it
    # (a fixed wait for the consumer to declare it lost the race on a busy machine).
    await consumer.declare_queue()
    return Running(consumer)


async def _publish(test_run, *events: Event) -> None:
    for event in events:
        await publish_raw(test_run.amqp_url, test_run.events_exchange, event.type, event.to_bytes())


async def test_duplicate_delivery_is_applied_once(applied_db, test_run):
    running = await _started(_consumer(applied_db, test_run, "dup"))
    event = _rating(uuid.uuid4(), 1, version=1)
    await _publish(test_run, event, event, event)
    await eventually(lambda: _has(applied_db, 1))
    await asyncio.sleep(0.3)
    assert len(await _applied(applied_db)) == 1
    await running.close()


async def test_older_version_arriving_late_is_ignored(applied_db, test_run):
    running = await _started(_consumer(applied_db, test_run, "order"))
    user = uuid.uuid4()
    newer, older = _rating(user, 7, version=9, score=5.0), _rating(user, 7, version=3)
    await _publish(test_run, newer, older, _rating(uuid.uuid4(), 8, version=4))
    await eventually(lambda: _has(applied_db, 2))
    await asyncio.sleep(0.3)
    assert sorted(v for *_, v in await _applied(applied_db)) == [4, 9]
    await running.close()


@pytest.mark.parametrize("queue_type", ["classic", "quorum"])
async def test_one_consumer_per_queue_at_a_time(applied_db, test_run, monkeypatch, queue_type):
    """A second consumer of a queue (a start-first update, a scaled service) waits while the
    first runs, then takes over: two at once could apply an older event of an aggregate
    after a newer one committed between their version lookups. A classic queue's consume
    is exclusive (the second is refused and retries); a quorum queue (a RabbitMQ cluster)
    ignores exclusive consumes and has a single active consumer instead (the second is
    registered and gets nothing)."""
    queue = test_run.queue(queue_type)
    with structlog.testing.capture_logs() as logs:
        # A logger not used yet (a cached one bypasses the capture).
        monkeypatch.setattr(consumer_module, "log", structlog.get_logger("movierec.consumer"))
        first = await _started(_consumer(applied_db, test_run, queue_type, queue_type=queue_type))
        await _publish(test_run, _rating(uuid.uuid4(), 1, version=1))
        await eventually(lambda: _has(applied_db, 1))
        second = Running(_consumer(applied_db, test_run, queue_type, queue_type=queue_type))

        async def second_waits() -> bool:
            if queue_type == "classic":
                return any(e["event"] == "consumer_waiting" for e in logs)
            return sum(e["event"] == "consumer_attached" for e in logs) == 2

        await eventually(second_waits)
        await _publish(test_run, *(_rating(uuid.uuid4(), 2, version=v) for v in range(2, 12)))
        await eventually(lambda: _has(applied_db, 11))
        assert (first.consumer.applied, second.consumer.applied) == (11, 0)
        await first.close()
        await _publish(test_run, _rating(uuid.uuid4(), 3, version=12))
        await eventually(lambda: _has(applied_db, 12))
        assert second.consumer.applied == 1
        await second.close()
    assert not [e for e in logs if e["event"] == "consumer_failed"]
    if queue_type == "quorum":
        # It is a quorum queue: declaring it classic is refused.
        connection = await connect(test_run.amqp_url)
        async with connection:
            channel = await connection.channel()
            with pytest.raises(aiormq.exceptions.ChannelPreconditionFailed):
                await channel.declare_queue(queue, durable=True)


async def test_late_event_of_a_deleted_user_is_dropped(applied_db, test_run):
    running = await _started(_consumer(applied_db, test_run, "tomb"))
    user = uuid.uuid4()
    deleted = make_event(
        "user.deleted", UserDeleted(user_id=user), producer="auth@test", aggregate_version=50
    )
    late_watch = make_event(
        "watch.added",
        WatchAdded(entry_id=uuid.uuid4(), user_id=user, movie_id=3, watched_at=datetime.now(UTC)),
        producer="history@test",
        aggregate_version=2,
    )
    await _publish(test_run, deleted)
    await eventually(lambda: _has(applied_db, 1))
    await _publish(test_run, late_watch, _rating(user, 5, version=60))
    sentinel = _rating(uuid.uuid4(), 5, version=61)
    await _publish(test_run, sentinel)
    await eventually(lambda: _has(applied_db, 2))
    await asyncio.sleep(0.3)
    assert [t for t, *_ in await _applied(applied_db)] == ["user.deleted", "rating.set"]
    assert (await _applied(applied_db))[1][1] == sentinel.aggregate_id
    await running.close()


async def test_poison_messages_are_dead_lettered_and_the_consumer_keeps_going(
    applied_db, test_run, amqp_channel
):
    consumer = _consumer(applied_db, test_run, "poison", max_attempts=2)
    running = await _started(consumer)
    await publish_raw(test_run.amqp_url, test_run.events_exchange, "rating.set", b"{not json")
    await _publish(test_run, _rating(uuid.uuid4(), POISON_MOVIE, version=1))
    good = _rating(uuid.uuid4(), 2, version=2)
    await _publish(test_run, good)
    await eventually(lambda: _has(applied_db, 1))
    dead = await amqp_channel.declare_queue(f"{consumer.queue_name}.dead", durable=True)

    async def both_dead() -> bool:
        return consumer.dead_lettered == 2

    await eventually(both_dead)
    bodies = []
    while (message := await dead.get(fail=False, no_ack=True)) is not None:
        bodies.append(message.body)
    assert len(bodies) == 2
    assert b"{not json" in bodies
    assert [a for _, a, _ in await _applied(applied_db)] == [good.aggregate_id]
    await running.close()


async def _publish_packed(test_run, *events: Event) -> None:
    """``events`` in one packed message, as a relay sends a run of one type."""
    connection = await connect(test_run.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(test_run.events_exchange)
        await exchange.publish(
            aio_pika.Message(
                pack_bodies([e.to_bytes() for e in events]),
                content_type=PACKED_CONTENT_TYPE,
                headers={EVENT_COUNT_HEADER: len(events)},
                message_id=str(events[0].id),
            ),
            routing_key=events[0].type,
        )


async def test_a_packed_message_applies_each_of_its_events_once_in_order(applied_db, test_run):
    consumer = _consumer(applied_db, test_run, "packed")
    running = await _started(consumer)
    user = uuid.uuid4()
    first, second = _rating(user, 1, version=1), _rating(user, 2, version=2)
    newer, older = _rating(user, 3, version=9), _rating(user, 3, version=4)
    await _publish_packed(test_run, first, second, first, newer, older)
    await eventually(lambda: _has(applied_db, 3))
    await _publish_packed(test_run, first, second)  # redelivered as a whole: all duplicates
    sentinel = _rating(uuid.uuid4(), 4, version=10)
    await _publish(test_run, sentinel)
    await eventually(lambda: _has(applied_db, 4))
    assert [(a, v) for _, a, v in await _applied(applied_db)] == [
        (first.aggregate_id, 1),
        (second.aggregate_id, 2),
        (newer.aggregate_id, 9),
        (sentinel.aggregate_id, 10),
    ]
    assert consumer.applied == 4
    await running.close()


async def test_a_packed_message_with_a_failing_event_applies_the_rest_and_is_dead_lettered_whole(
    applied_db, test_run, amqp_channel
):
    """Its other events are applied once (the retries skip them); after the attempts the
    message goes to the dead-letter queue as it came, and replaying it is harmless."""
    consumer = _consumer(applied_db, test_run, "packed-poison", max_attempts=2)
    running = await _started(consumer)
    good = _rating(uuid.uuid4(), 1, version=1)
    poison = _rating(uuid.uuid4(), POISON_MOVIE, version=2)
    later = _rating(uuid.uuid4(), 3, version=3)
    await _publish_packed(test_run, good, poison, later)

    async def dead() -> bool:
        return consumer.dead_lettered == 1

    await eventually(dead)
    dead_queue = await amqp_channel.declare_queue(f"{consumer.queue_name}.dead", durable=True)
    message = await dead_queue.get(no_ack=True, timeout=5)
    assert message.content_type == PACKED_CONTENT_TYPE
    assert message.body.split(b"\n") == [e.to_bytes() for e in (good, poison, later)]
    assert [(a, v) for _, a, v in await _applied(applied_db)] == [
        (good.aggregate_id, 1),
        (later.aggregate_id, 3),
    ]
    await running.close()


async def test_consumer_recovers_after_the_broker_path_comes_back(applied_db, test_run, tcp_proxy):
    proxy = tcp_proxy(test_run.amqp_url, 5672)
    consumer = _consumer(applied_db, test_run, "recover", amqp_url=proxy.url(test_run.amqp_url))
    running = await _started(consumer)
    await _publish(test_run, _rating(uuid.uuid4(), 1, version=1))
    await eventually(lambda: _has(applied_db, 1))
    proxy.cut()
    # Published on the direct path while the consumer's path is down: kept in its queue.
    await _publish(test_run, *[_rating(uuid.uuid4(), 1, version=v) for v in range(2, 12)])
    await asyncio.sleep(1.0)
    assert len(await _applied(applied_db)) == 1
    proxy.restore()
    await eventually(lambda: _has(applied_db, 11), timeout=15)
    await running.close()


async def test_retries_back_off_while_the_database_is_down(applied_db, test_run, tcp_proxy):
    """Reaching the broker again is not success: the wait doubles until a batch commits
    (it went back to 50 ms on every reconnect, so a consumer looped reconnect → redeliver →
    fail about ten times a second for as long as PostgreSQL was down)."""
    pg = tcp_proxy(applied_db.url, 5432)
    amqp = tcp_proxy(test_run.amqp_url, 5672)
    database = Database(pg.url(applied_db.url), pool_size=1)
    consumer = EventConsumer(
        database=database,
        amqp_url=amqp.url(test_run.amqp_url),
        events_exchange=test_run.events_exchange,
        queue=test_run.queue("backoff"),
        handlers=HANDLERS,
        max_backoff=10.0,
    )
    running = await _started(consumer)
    pg.cut()
    await _publish(test_run, _rating(uuid.uuid4(), 1, version=1))
    connections = amqp.connections
    await asyncio.sleep(3.0)
    # 0.05 + 0.1 + 0.2 + 0.4 + 0.8 + 1.6 s: at most about six attempts in three seconds.
    assert amqp.connections - connections <= 7
    pg.restore()
    await eventually(lambda: _has(applied_db, 1), timeout=30)
    await running.close()
    await database.dispose()


async def test_a_consumer_without_pre_ping_gets_past_connections_the_database_dropped(
    applied_db, test_run, tcp_proxy
):
    # Consumer processes do not test a pooled connection before each batch: the batch that
    # meets a dead one fails, goes back to the broker and is applied on fresh connections.
    pg = tcp_proxy(applied_db.url, 5432)
    database = Database(pg.url(applied_db.url), pool_size=2, pre_ping=False)
    consumer = _consumer(database, test_run, "no-ping")
    running = await _started(consumer)
    await _publish(test_run, _rating(uuid.uuid4(), 1, version=1))
    await eventually(lambda: _has(applied_db, 1))
    pg.cut()  # every pooled connection is dropped; new ones are accepted again at once
    pg.restore()
    await _publish(test_run, _rating(uuid.uuid4(), 1, version=2))
    await eventually(lambda: _has(applied_db, 2), timeout=15)
    assert [v for _, _, v in await _applied(applied_db)] == [1, 2]
    await running.close()
    await database.dispose()


async def test_a_batch_is_applied_in_one_transaction(applied_db, test_run):
    consumer = _consumer(applied_db, test_run, "batch", batch_size=100, linger=0.2)
    running = await _started(consumer)
    await _publish(test_run, *[_rating(uuid.uuid4(), 1, version=v) for v in range(1, 41)])
    await eventually(lambda: _has(applied_db, 40))
    assert consumer.batches < 40
    await running.close()


async def _has(db, n: int) -> bool:
    return len(await _applied(db)) >= n


async def test_batch_handlers_get_runs_of_one_type_in_order(applied_db, test_run):
    async with applied_db.transaction() as session:
        await session.execute(
            text("CREATE TABLE applied_runs (seq bigserial, version bigint, run_size int)")
        )

    async def record_run(session, events: list[Event]) -> None:
        if any(e.payload.get("movie_id") == POISON_MOVIE for e in events):
            raise ValueError("this batch handler cannot digest movie 666")
        for event in events:
            await session.execute(
                text("INSERT INTO applied_runs (version, run_size) VALUES (:v, :n)"),
                {"v": event.aggregate_version, "n": len(events)},
            )

    async def record_one(session, event: Event) -> None:
        await record_run(session, [event])

    consumer = EventConsumer(
        database=applied_db,
        amqp_url=test_run.amqp_url,
        events_exchange=test_run.events_exchange,
        queue=test_run.queue("runs"),
        handlers={"watch.added": record_one},
        batch_handlers={"rating.set": record_run},
        batch_size=100,
        linger=0.3,
        max_attempts=2,
        max_backoff=0.2,
    )
    running = await _started(consumer)
    watch = make_event(
        "watch.added",
        WatchAdded(
            entry_id=uuid.uuid4(), user_id=uuid.uuid4(), movie_id=3, watched_at=datetime.now(UTC)
        ),
        producer="history@test",
        aggregate_version=3,
    )
    ratings = [_rating(uuid.uuid4(), 1, version=v) for v in (1, 2, 4, 5)]
    await _publish(test_run, ratings[0], ratings[1], watch, ratings[2], ratings[3])

    async def rows() -> list[tuple[int, int]]:
        async with applied_db.transaction() as session:
            result = await session.execute(
                text("SELECT version, run_size FROM applied_runs ORDER BY seq")
            )
            return [tuple(r) for r in result]

    await eventually(lambda: _count_at_least(rows, 5))
    # Runs [1, 2] and [4, 5] went to the batch handler; the watch between them kept its place.
    assert await rows() == [(1, 2), (2, 2), (3, 1), (4, 2), (5, 2)]
    # A poison event in a run: the run is redone one event at a time; only it is dead.
    poison = _rating(uuid.uuid4(), POISON_MOVIE, version=7)
    await _publish(
        test_run, _rating(uuid.uuid4(), 1, version=6), poison, _rating(uuid.uuid4(), 1, version=8)
    )
    await eventually(lambda: _count_at_least(rows, 7))

    async def dead() -> bool:
        return consumer.dead_lettered == 1

    await eventually(dead)
    assert [v for v, _ in await rows()][5:] == [6, 8]
    await running.close()


async def _count_at_least(rows, n: int) -> bool:
    return len(await rows()) >= n


async def test_the_batch_lookups_probe_the_primary_keys_however_stale_the_plan(kernel_db):
    """The inbox, version and tombstone lookups of a batch, prepared while the tables are
    empty and run after they grew without an ANALYZE (autovacuum off), still probe the
    primary keys: as joins, their cached generic plans scanned the whole tables."""
    statements = {
        "seen": (consumer_module._SEEN.text.replace(":ids", "$1"), "uuid[]"),
        "versions": (
            consumer_module._VERSIONS.text.replace(":f", "$1").replace(":a", "$2"),
            "text[], text[]",
        ),
        "tombstones": (
            consumer_module._TOMBSTONES.text.replace(":k", "$1").replace(":e", "$2"),
            "text[], text[]",
        ),
    }
    args = {"seen": "('{}')", "versions": "('{}', '{}')", "tombstones": "('{}', '{}')"}
    async with kernel_db.engine.connect() as connection:
        await connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        for name, (sql, types) in statements.items():
            await connection.exec_driver_sql(f"PREPARE {name}({types}) AS {sql}")
            await connection.exec_driver_sql(f"EXECUTE {name}{args[name]}")
        for grow in (
            "INSERT INTO inbox (event_id, event_type)"
            " SELECT gen_random_uuid(), 'x' FROM generate_series(1, 50000)",
            "INSERT INTO aggregate_version (family, aggregate_id, version)"
            " SELECT 'rating', i::text, 1 FROM generate_series(1, 50000) AS i",
            "INSERT INTO tombstone (kind, entity_id, version)"
            " SELECT 'user', i::text, 1 FROM generate_series(1, 50000) AS i",
        ):
            await connection.exec_driver_sql(grow)
        for name in statements:
            plan = "\n".join(
                row[0]
                for row in await connection.exec_driver_sql(f"EXPLAIN EXECUTE {name}{args[name]}")
            )
            assert "Seq Scan" not in plan, plan
            assert "Index" in plan, plan


async def _batches_taken(consumer: EventConsumer, arrivals: list[tuple[float, object]]) -> list:
    """The batches ``_process_until`` hands on while ``arrivals`` (delay, message) come in."""
    taken: list[list] = []
    stop, lost = asyncio.Event(), asyncio.Event()

    async def process_batch(batch):
        taken.append(list(batch))
        if sum(map(len, taken)) == len(arrivals):
            stop.set()

    consumer.process_batch = process_batch  # type: ignore[method-assign]

    later = list(arrivals)
    while later and later[0][0] == 0:  # there before the consumer looks
        await consumer._deliver(later.pop(0)[1])  # type: ignore[arg-type]

    async def arrive():
        for delay, message in later:
            await asyncio.sleep(delay)
            await consumer._deliver(message)  # type: ignore[arg-type]

    feeding = asyncio.create_task(arrive())
    await asyncio.wait_for(consumer._process_until(stop, lost), 5)
    await feeding
    return taken


def _delivery(events: int = 1) -> SimpleNamespace:
    """A stand-in for a delivered message of ``events`` events (a packed one above 1)."""
    headers = {EVENT_COUNT_HEADER: events} if events > 1 else {}
    return SimpleNamespace(header=SimpleNamespace(properties=SimpleNamespace(headers=headers)))


async def test_a_trickle_of_events_lingers_into_one_batch_and_a_full_batch_does_not_wait(
    applied_db, test_run
):
    a, b, c = _delivery(), _delivery(), _delivery()
    trickle = _consumer(applied_db, test_run, "linger", batch_size=10, linger=0.5)
    assert await _batches_taken(trickle, [(0, a), (0.05, b), (0.05, c)]) == [[a, b, c]]
    # A batch's worth already waiting: taken at once (a 60 s linger would time the test out).
    full = _consumer(applied_db, test_run, "linger-full", batch_size=3, linger=60)
    assert await _batches_taken(full, [(0, a), (0, b), (0, c)]) == [[a, b, c]]


async def test_a_batch_counts_the_events_of_packed_messages(applied_db, test_run):
    """A packed message's events count towards the batch (one is never split): a pack of a
    batch's worth is taken alone and at once, smaller ones fill a batch together."""
    consumer = _consumer(applied_db, test_run, "packed-batches", batch_size=10, linger=60)
    whole, small, tail, next_one = _delivery(10), _delivery(4), _delivery(7), _delivery(12)
    taken = await _batches_taken(consumer, [(0, whole), (0, small), (0, tail), (0, next_one)])
    assert taken == [[whole], [small, tail], [next_one]]


async def test_a_retired_type_is_unbound_from_a_queue_an_older_version_declared(
    applied_db, test_run
):
    """A service that stops consuming a type names it retired: its queue, bound to it by
    the older version, stops receiving it."""
    older = _consumer(applied_db, test_run, "retired")  # rating.set among its types
    await older.declare_queue()
    newer = _consumer(applied_db, test_run, "retired", retired=["rating.set"])
    newer.handlers = {"watch.added": _record}
    await newer.declare_queue()
    user = uuid.uuid4()
    watch = WatchAdded(
        entry_id=uuid.uuid4(), user_id=user, movie_id=3, watched_at=datetime.now(UTC)
    )
    await _publish(
        test_run,
        _rating(user, 1, 1),
        make_event("watch.added", watch, producer="history@test", aggregate_version=1),
    )
    connection = await connect(test_run.amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(test_run.queue("retired"), passive=True)
        assert queue.declaration_result.message_count == 1  # the watch alone


async def test_the_prefetch_follows_the_events_a_message_carries(applied_db, test_run):
    """About two batches of events in flight: a few packed messages, or many single ones;
    left alone while it is within half of what it should be."""
    asked: list[int] = []

    class Channel:
        async def basic_qos(self, *, prefetch_count: int) -> None:
            asked.append(prefetch_count)

    consumer = _consumer(applied_db, test_run, "prefetch", batch_size=500)
    consumer._channel = Channel()  # type: ignore[assignment]
    await consumer._fit_prefetch(100.0)  # packed runs of 100
    await consumer._fit_prefetch(90.0)  # about the same
    await consumer._fit_prefetch(1.0)  # single events again
    await consumer._fit_prefetch(1.2)
    await consumer._fit_prefetch(1000.0)  # never below 4
    assert asked == [10, 1000, 4]
