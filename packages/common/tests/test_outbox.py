"""The outbox relay publishes every committed message, once, surviving broker outages."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from sqlalchemy import func, select

from movierec_common.amqp import EVENT_COUNT_HEADER, PACKED_CONTENT_TYPE, message_bodies
from movierec_common.events import UserDeleted, UserRegistered, make_event, parse_event
from movierec_common.outbox import (
    EventEmitter,
    OutboxMessage,
    OutboxRelay,
    event_message,
    outbox_table,
    record,
    record_many,
)
from movierec_testkit import eventually


async def _outbox_rows(session) -> int:
    """Messages recorded and not yet published."""
    return int((await session.execute(select(func.count()).select_from(outbox_table))).scalar_one())


def _message(exchange: str):
    event = make_event(
        "user.registered",
        UserRegistered(user_id=uuid.uuid4(), favorite_genres=["Comedy"]),
        producer="auth@test",
        aggregate_version=1,
    )
    return event_message(event, exchange=exchange)


async def _bound_queue(channel, test_run, name: str):
    exchange = await channel.get_exchange(test_run.events_exchange)
    queue = await channel.declare_queue(test_run.queue(name), durable=True)
    await queue.bind(exchange, routing_key="#")
    return queue


def _event_ids(message) -> list[str]:
    """The ids of the events a message carries (a packed one carries several)."""
    return [json.loads(b)["id"] for b in message_bodies(message.content_type, message.body)]


async def _drain_ids(queue, *, settle: float = 0.5) -> list[str]:
    """The id of every event on ``queue`` until it stays empty for ``settle`` seconds."""
    ids: list[str] = []
    idle_since = asyncio.get_running_loop().time()
    while asyncio.get_running_loop().time() - idle_since < settle:
        message = await queue.get(fail=False, no_ack=True)
        if message is None:
            await asyncio.sleep(0.02)
            continue
        ids.extend(_event_ids(message))
        idle_since = asyncio.get_running_loop().time()
    return ids


async def _published_with_a_recorded_one(kernel_db, test_run, queue, waiting: int):
    """``record`` one more message after the ``waiting`` ones, publish all with a relay that
    packs nothing: the first ``waiting`` messages on ``queue``, and the recorded one."""
    async with kernel_db.transaction() as session:
        await record(session, _message(test_run.events_exchange))
    relay = OutboxRelay(
        kernel_db.url, test_run.amqp_url, events_exchange=test_run.events_exchange, pack_size=1
    )
    assert await relay.drain() == waiting + 1
    await relay.close()
    messages = [await queue.get(no_ack=True, timeout=5) for _ in range(waiting + 1)]
    return messages[:waiting], messages[waiting]


def _assert_sent_as(messages, recorded) -> None:
    """Each of ``messages`` has the AMQP properties of ``recorded`` (a ``record``-ed one)."""
    for message in messages:
        assert (
            message.type,
            message.app_id,
            message.content_type,
            message.headers,
            message.delivery_mode,
        ) == (
            recorded.type,
            recorded.app_id,
            recorded.content_type,
            recorded.headers,
            recorded.delivery_mode,
        )


def _start(relay: OutboxRelay) -> tuple[asyncio.Event, asyncio.Task]:
    stop = asyncio.Event()
    return stop, asyncio.create_task(relay.run(stop))


async def test_message_recorded_while_broker_is_cut_is_published_once_after_restore(
    kernel_db, amqp_channel, test_run, tcp_proxy
):
    queue = await _bound_queue(amqp_channel, test_run, "outbox-cut")
    proxy = tcp_proxy(test_run.amqp_url, 5672)
    relay = OutboxRelay(
        kernel_db.url,
        proxy.url(test_run.amqp_url),
        events_exchange=test_run.events_exchange,
        max_backoff=0.2,
    )
    stop, task = _start(relay)
    proxy.cut()
    message = _message(test_run.events_exchange)
    async with kernel_db.transaction() as session:
        await record(session, message)

    await asyncio.sleep(1.0)
    assert await queue.get(fail=False) is None
    async with kernel_db.transaction() as session:
        assert await _outbox_rows(session) == 1

    proxy.restore()
    ids: list[str] = []

    async def arrived() -> bool:
        got = await queue.get(fail=False, no_ack=True)
        if got is not None:
            ids.append(got.message_id)
        return bool(ids)

    await eventually(arrived, timeout=15)
    ids += await _drain_ids(queue, settle=1.0)
    assert ids == [str(message.message_id)]
    async with kernel_db.transaction() as session:
        assert await _outbox_rows(session) == 0
    stop.set()
    await task


async def test_consecutive_events_of_one_type_travel_packed_in_their_order(
    kernel_db, amqp_channel, test_run
):
    """A run of one route packs up to ``pack_size`` events, one envelope per line; a
    different type, a message for the default exchange (a Celery task's) and a body with a
    raw newline go alone; every message keeps the order the rows were recorded in."""
    queue = await _bound_queue(amqp_channel, test_run, "outbox-packed")
    task_queue = test_run.queue("outbox-packed-tasks")
    registered = [_message(test_run.events_exchange) for _ in range(7)]
    deleted = event_message(
        make_event(
            "user.deleted",
            UserDeleted(user_id=uuid.uuid4()),
            producer="auth@test",
            aggregate_version=1,
        ),
        exchange=test_run.events_exchange,
    )
    tasks = [OutboxMessage(exchange="", routing_key=task_queue, body=b"{}") for _ in range(2)]
    odd = OutboxMessage(
        exchange=test_run.events_exchange,
        routing_key="user.registered",
        body=registered[0].body.replace(b"{", b"{\n", 1),
        message_id=uuid.uuid4(),
        headers=registered[0].headers,
    )
    async with kernel_db.transaction() as session:
        await record_many(
            session, [*registered[:5], deleted, *tasks, registered[5], odd, registered[6]]
        )
    relay = OutboxRelay(
        kernel_db.url, test_run.amqp_url, events_exchange=test_run.events_exchange, pack_size=3
    )
    assert await relay.drain() == 11
    await relay.close()
    messages = [await queue.get(no_ack=True, timeout=5) for _ in range(6)]
    assert await queue.get(fail=False) is None
    ids = [str(m.message_id) for m in registered]
    assert [_event_ids(m) for m in messages] == [
        ids[0:3],
        ids[3:5],
        [str(deleted.message_id)],
        ids[5:6],
        [json.loads(odd.body)["id"]],
        ids[6:7],
    ]
    for message, count in zip(messages[:2], (3, 2), strict=True):
        assert message.content_type == PACKED_CONTENT_TYPE
        assert message.headers == {**registered[0].headers, EVENT_COUNT_HEADER: count}
        assert message.message_id == _event_ids(message)[0]
        assert message.type == "user.registered"
    assert all(m.content_type == "application/json" for m in messages[2:])
    tasks_queue = await amqp_channel.declare_queue(task_queue, durable=True, passive=True)
    assert tasks_queue.declaration_result.message_count == 2
    await tasks_queue.delete(if_unused=False, if_empty=False)


async def test_two_relays_at_once_publish_each_row_once(kernel_db, amqp_channel, test_run):
    queue = await _bound_queue(amqp_channel, test_run, "outbox-two")
    messages = [_message(test_run.events_exchange) for _ in range(600)]
    async with kernel_db.transaction() as session:
        await record_many(session, messages)
    relays = [
        OutboxRelay(
            kernel_db.url,
            test_run.amqp_url,
            events_exchange=test_run.events_exchange,
            batch_size=50,
        )
        for _ in range(2)
    ]
    started = [_start(r) for r in relays]

    async def empty() -> bool:
        async with kernel_db.transaction() as session:
            return await _outbox_rows(session) == 0

    await eventually(empty, timeout=20)
    ids = await _drain_ids(queue, settle=1.0)
    assert len(ids) == 600
    assert set(ids) == {str(m.message_id) for m in messages}
    assert sum(r.published for r in relays) == 600
    for stop, task in started:
        stop.set()
        await task


async def test_rolled_back_transaction_publishes_nothing(kernel_db, amqp_channel, test_run):
    queue = await _bound_queue(amqp_channel, test_run, "outbox-rollback")
    relay = OutboxRelay(kernel_db.url, test_run.amqp_url, events_exchange=test_run.events_exchange)
    stop, task = _start(relay)
    with pytest.raises(RuntimeError):
        async with kernel_db.transaction() as session:
            await record(session, _message(test_run.events_exchange))
            raise RuntimeError("domain write failed")
    committed = _message(test_run.events_exchange)
    async with kernel_db.transaction() as session:
        await record(session, committed)
    ids: list[str] = []

    async def arrived() -> bool:
        ids.extend(await _drain_ids(queue, settle=0.3))
        return bool(ids)

    await eventually(arrived)
    assert ids == [str(committed.message_id)]
    stop.set()
    await task


async def test_relay_survives_database_cut_and_publishes_after_restore(
    kernel_db, amqp_channel, test_run, tcp_proxy
):
    queue = await _bound_queue(amqp_channel, test_run, "outbox-dbcut")
    proxy = tcp_proxy(kernel_db.url, 5432)
    relay = OutboxRelay(
        proxy.url(kernel_db.url),
        test_run.amqp_url,
        events_exchange=test_run.events_exchange,
        max_backoff=0.2,
    )
    stop, task = _start(relay)
    await asyncio.sleep(0.3)
    proxy.cut()
    message = _message(test_run.events_exchange)
    async with kernel_db.transaction() as session:  # direct path: the write itself succeeds
        await record(session, message)
    await asyncio.sleep(0.5)
    proxy.restore()
    ids: list[str] = []

    async def arrived() -> bool:
        ids.extend(await _drain_ids(queue, settle=0.2))
        return bool(ids)

    await eventually(arrived, timeout=15)
    assert ids == [str(message.message_id)]
    stop.set()
    await task


async def test_an_event_recorded_in_sql_is_published_as_record_publishes_it(
    kernel_db, amqp_channel, test_run
):
    """``outbox_record_event`` (the write functions' way) draws the aggregate version and
    gives the relay the same message ``record`` gives it: envelope, headers, properties."""
    emitter = EventEmitter(producer="auth@test", exchange=test_run.events_exchange)
    queue = await _bound_queue(amqp_channel, test_run, "sql-recorded")
    user = uuid.uuid4()
    built = [
        emitter.build("user.registered", UserRegistered(user_id=user, favorite_genres=["Drama"]))
        for _ in range(2)
    ]
    for event in built:
        await kernel_db.call("SELECT outbox_record_event($1, $2)", test_run.events_exchange, event)
    sql_made, recorded = await _published_with_a_recorded_one(kernel_db, test_run, queue, 2)
    events = [parse_event(m.body) for m in sql_made]
    assert [str(e.id) for e in events] == [json.loads(b)["id"] for b in built]
    assert [m.message_id for m in sql_made] == [str(e.id) for e in events]
    assert events[0].aggregate_version >= 1
    assert events[1].aggregate_version > events[0].aggregate_version
    assert events[0].payload == {"user_id": str(user), "favorite_genres": ["Drama"]}
    _assert_sent_as(sql_made, recorded)


async def test_outbox_record_event_keeps_its_plan_for_the_connection(kernel_db):
    """PL/pgSQL, not SQL: PostgreSQL 15 plans a SQL function's INSERT again on every call
    (migration kernel_0004 measured the database's CPU per rating write 408 → 317 µs)."""
    row = await kernel_db.call(
        "SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang"
        " WHERE p.proname = 'outbox_record_event'"
    )
    assert row is not None
    assert row["lanname"] == "plpgsql"


async def test_a_committed_write_wakes_the_relay_without_waiting_for_its_sweep(
    kernel_db, amqp_channel, test_run
):
    """Writers wake the relay after their commit (a NOTIFY of their own, never inside the
    write's transaction): the relay publishes long before its sweep would."""
    queue = await _bound_queue(amqp_channel, test_run, "woken")
    relay = OutboxRelay(
        kernel_db.url,
        test_run.amqp_url,
        events_exchange=test_run.events_exchange,
        sweep_interval=60,
    )
    stop, task = _start(relay)
    await eventually(lambda: _listening(relay))
    message = _message(test_run.events_exchange)
    async with kernel_db.transaction() as session:
        await record(session, message)
    ids: list[str] = []

    async def arrived() -> bool:
        got = await queue.get(no_ack=True, fail=False)
        if got is not None:
            ids.append(got.message_id)
        return bool(ids)

    await eventually(arrived, timeout=10)
    assert ids == [str(message.message_id)]
    stop.set()
    await task


async def _listening(relay: OutboxRelay) -> bool:
    return relay._listen_conn is not None


async def test_events_emitted_in_bulk_are_published_as_record_publishes_them(
    kernel_db, amqp_channel, test_run
):
    emitter = EventEmitter(producer="auth@test", exchange=test_run.events_exchange)
    queue = await _bound_queue(amqp_channel, test_run, "bulk-emitted")
    users = [uuid.uuid4() for _ in range(3)]
    async with kernel_db.transaction() as session:
        await emitter.emit_many(
            session,
            [
                ("user.registered", UserRegistered(user_id=u, favorite_genres=["Drama"]))
                for u in users
            ],
        )
    bulk, recorded = await _published_with_a_recorded_one(kernel_db, test_run, queue, 3)
    events = [parse_event(m.body) for m in bulk]
    assert [e.payload["user_id"] for e in events] == [str(u) for u in users]
    assert [m.message_id for m in bulk] == [str(e.id) for e in events]
    versions = [e.aggregate_version for e in events]
    assert versions == sorted(versions) and len(set(versions)) == 3
    _assert_sent_as(bulk, recorded)
