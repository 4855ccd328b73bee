"""Transactional outbox: record messages with the domain write, publish them with a relay.

``record`` inserts a row in the caller's transaction (a write that runs in the database as
one function records its events with ``outbox_record_event``), so a message exists if and
only if the write committed. After the commit the writer wakes the relay with a NOTIFY of
its own (:meth:`Database.wake_relay`: coalesced, asynchronous commit, never inside the
write's transaction, whose commit would otherwise hold NOTIFY's global lock and serialise
every writer). :class:`OutboxRelay` ``LISTEN``s, drains while it finds rows and sweeps
periodically for anything a lost wake-up missed; it claims rows with
``FOR UPDATE SKIP LOCKED`` (several relays are safe), publishes a batch with pipelined
publisher confirms and deletes it in one statement once the broker confirmed it. Consecutive
events of one type in a batch travel packed, up to ``pack_size`` in one message
(:data:`~movierec_common.amqp.PACKED_CONTENT_TYPE`). While the
broker or the database is unreachable it retries with capped exponential backoff; nothing
is lost, duplicates are possible (at least once) and consumers are idempotent.

Celery task messages go the same way (:func:`task_message`), never a bare ``.delay()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import aiormq
import asyncpg
import orjson
from celery import Celery
from prometheus_client import Counter, Histogram
from sqlalchemy import LargeBinary, Text, Uuid, cast, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.amqp import (
    EVENT_COUNT_HEADER,
    PACKED_CONTENT_TYPE,
    Publication,
    connect,
    declare_events_exchange,
    pack_bodies,
    publish_confirmed,
    queue_arguments,
)
from movierec_common.db import (
    DATABASE_KEY,
    OUTBOX_CHANNEL,
    after_commit,
    array_rows,
    connect_database,
)
from movierec_common.events import Event, contract_for, event_bodies, make_event
from movierec_common.events.contracts import Payload
from movierec_common.logging import REQUEST_ID, get_logger
from movierec_common.settings import to_plain_url
from movierec_common.tables import aggregate_version_seq, outbox_table

log = get_logger(__name__)

RELAY_PUBLISHED = Counter("movierec_outbox_published_total", "Outbox messages published")
RELAY_ERRORS = Counter("movierec_outbox_publish_errors_total", "Failed outbox publish rounds")
RELAY_LAG = Histogram(
    "movierec_outbox_lag_seconds",
    "Time from recording a message to its confirmed publication",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


@dataclass(frozen=True)
class OutboxMessage:
    """One AMQP message waiting in the outbox."""

    exchange: str
    routing_key: str
    body: bytes
    message_id: uuid.UUID = field(default_factory=uuid.uuid4)
    content_type: str = "application/json"
    headers: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)


def event_message(event: Event, *, exchange: str) -> OutboxMessage:
    """An outbox message carrying a domain event, routed by its type."""
    return OutboxMessage(
        exchange=exchange,
        routing_key=event.type,
        body=event.to_bytes(),
        message_id=event.id,
        headers=_event_headers(event.version),
        properties=_event_properties(event.type, event.correlation_id, event.producer),
    )


def _event_headers(version: int) -> dict[str, Any]:
    return {"x-event-version": version}


def _event_properties(event_type: str, correlation_id: str | None, producer: str) -> dict[str, Any]:
    return {"type": event_type, "correlation_id": correlation_id, "app_id": producer}


def event_message_fields(
    event_type: str, *, producer: str, correlation_id: str | None
) -> tuple[str, str]:
    """The outbox row's headers and properties (JSON) of an event message, as
    :func:`event_message` gives them."""
    headers = _event_headers(contract_for(event_type).version)
    properties = _event_properties(event_type, correlation_id, producer)
    return orjson.dumps(headers).decode(), orjson.dumps(properties).decode()


def task_message(
    app: Celery,
    name: str,
    *,
    args: tuple | list = (),
    kwargs: dict[str, Any] | None = None,
    queue: str | None = None,
    countdown: float | None = None,
) -> OutboxMessage:
    """A Celery task message (protocol 2), published by the relay to the task's queue."""
    task_id = str(uuid.uuid4())
    target = queue or app.conf.task_default_queue
    msg = app.amqp.as_task_v2(task_id, name, tuple(args), kwargs or {}, countdown=countdown)
    body = orjson.dumps(list(msg.body))
    headers = {k: v for k, v in msg.headers.items() if v is not None}
    return OutboxMessage(
        exchange="",
        routing_key=target,
        body=body,
        message_id=uuid.UUID(task_id),
        headers=headers,
        properties={"correlation_id": task_id, "content_encoding": "utf-8"},
    )


# One statement whatever the number of messages (arrays, built once): imports record
# thousands at a time. JSON columns travel as text arrays (asyncpg has no jsonb[] codec).
_rows = array_rows(
    message_id=Uuid(),
    exchange=Text(),
    routing_key=Text(),
    content_type=Text(),
    headers=Text(),
    properties=Text(),
    body=LargeBinary(),
)
_RECORD = pg_insert(outbox_table).from_select(
    ["message_id", "exchange", "routing_key", "content_type", "headers", "properties", "body"],
    select(
        _rows.c.message_id,
        _rows.c.exchange,
        _rows.c.routing_key,
        _rows.c.content_type,
        cast(_rows.c.headers, JSONB),
        cast(_rows.c.properties, JSONB),
        _rows.c.body,
    ),
)


async def record(session: AsyncSession, message: OutboxMessage) -> None:
    """Add ``message`` to the outbox inside the caller's transaction and wake the relay."""
    await record_many(session, [message])


async def record_many(session: AsyncSession, messages: list[OutboxMessage]) -> None:
    """Add several messages in one statement (imports record events in batches); the
    relay is woken once the transaction has committed."""
    if not messages:
        return
    wake_relay_after_commit(session)
    await session.execute(
        _RECORD,
        {
            "message_id": [m.message_id for m in messages],
            "exchange": [m.exchange for m in messages],
            "routing_key": [m.routing_key for m in messages],
            "content_type": [m.content_type for m in messages],
            "headers": [orjson.dumps(m.headers).decode() for m in messages],
            "properties": [orjson.dumps(m.properties).decode() for m in messages],
            "body": [m.body for m in messages],
        },
    )


def wake_relay_after_commit(session: AsyncSession) -> None:
    """Once ``session``'s transaction has committed, wake the relay of its database."""
    database = session.info.get(DATABASE_KEY)
    if database is not None and not session.info.get("relay_woken"):
        session.info["relay_woken"] = True
        after_commit(session, database.wake_relay)


async def next_aggregate_version(session: AsyncSession) -> int:
    """Draw the next aggregate version. Call after locking the aggregate's row FOR UPDATE."""
    return int((await session.execute(select(aggregate_version_seq.next_value()))).scalar_one())


def current_request_id() -> str | None:
    """The request id bound by the web middleware (used as the events' correlation id)."""
    return REQUEST_ID.get()


@dataclass(frozen=True)
class EventEmitter:
    """Records domain events of one producer in the outbox.

    Call :meth:`emit` after locking the aggregate's row ``FOR UPDATE`` in the same
    transaction, so aggregate versions follow commit order.
    """

    producer: str
    exchange: str

    def build(self, event_type: str, payload: Payload) -> str:
        """The event as JSON for a write that records it in the database: the SQL function
        ``outbox_record_event(exchange, event)`` draws its aggregate version and sets it
        (the write must hold the aggregate's lock when it calls the function)."""
        event = make_event(
            event_type,
            payload,
            producer=self.producer,
            aggregate_version=0,
            correlation_id=current_request_id(),
        )
        return event.to_bytes().decode()

    async def emit(self, session: AsyncSession, event_type: str, payload: Payload) -> Event:
        event = make_event(
            event_type,
            payload,
            producer=self.producer,
            aggregate_version=await next_aggregate_version(session),
            correlation_id=current_request_id(),
        )
        await record(session, event_message(event, exchange=self.exchange))
        return event

    async def emit_many(self, session: AsyncSession, events: list[tuple[str, Payload]]) -> None:
        """Record many events with one round trip for versions and one for the rows (the
        envelopes built in bulk: :func:`event_bodies`)."""
        if not events:
            return
        versions = (
            (
                await session.execute(
                    text("SELECT nextval('aggregate_version_seq') FROM generate_series(1, :n)"),
                    {"n": len(events)},
                )
            )
            .scalars()
            .all()
        )
        correlation_id = current_request_id()
        built = event_bodies(
            events,
            sorted(int(v) for v in versions),
            producer=self.producer,
            correlation_id=correlation_id,
        )
        # The headers and properties of one event type are the same for all its events.
        described = {
            event_type: event_message_fields(
                event_type, producer=self.producer, correlation_id=correlation_id
            )
            for event_type in {event_type for event_type, _ in events}
        }
        wake_relay_after_commit(session)
        await session.execute(
            _RECORD,
            {
                "message_id": [event_id for event_id, _ in built],
                "exchange": [self.exchange] * len(built),
                "routing_key": [event_type for event_type, _ in events],
                "content_type": ["application/json"] * len(built),
                "headers": [described[event_type][0] for event_type, _ in events],
                "properties": [described[event_type][1] for event_type, _ in events],
                "body": [body for _, body in built],
            },
        )


_CLAIM_SQL = """
SELECT id, message_id, exchange, routing_key, content_type, headers, properties, body, created_at
FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
"""


def _properties(row: asyncpg.Record, *, count: int = 1) -> aiormq.spec.Basic.Properties:
    """The AMQP properties of an outbox row (persistent, with its message id); with a
    ``count``, of a packed message whose first event the row is."""
    props = orjson.loads(row["properties"]) if row["properties"] else {}
    headers = orjson.loads(row["headers"]) if row["headers"] else {}
    if count > 1:
        return aiormq.spec.Basic.Properties(
            content_type=PACKED_CONTENT_TYPE,
            headers={**headers, EVENT_COUNT_HEADER: count},
            message_id=str(row["message_id"]),
            message_type=props.get("type"),
            app_id=props.get("app_id"),
            delivery_mode=2,
        )
    return aiormq.spec.Basic.Properties(
        content_type=row["content_type"],
        content_encoding=props.get("content_encoding"),
        headers=headers,
        message_id=str(row["message_id"]),
        correlation_id=props.get("correlation_id"),
        message_type=props.get("type"),
        app_id=props.get("app_id"),
        delivery_mode=2,  # persistent
    )


def _packable(row: asyncpg.Record) -> bool:
    """An event (a JSON envelope bound for an events exchange, not a task message) that
    can share a packed message."""
    return (
        bool(row["exchange"])
        and row["content_type"] == "application/json"
        and b"\n" not in row["body"]
    )


def _publications(rows: list[asyncpg.Record], pack_size: int) -> list[Publication]:
    """The messages of claimed rows, in their order: each run of up to ``pack_size``
    consecutive events of one route and version packed into one message, anything else
    alone."""
    publications: list[Publication] = []
    i = 0
    while i < len(rows):
        first = rows[i]
        end = i + 1
        if pack_size > 1 and _packable(first):
            route = (first["exchange"], first["routing_key"], first["headers"])
            while (
                end < len(rows)
                and end - i < pack_size
                and (rows[end]["exchange"], rows[end]["routing_key"], rows[end]["headers"]) == route
                and _packable(rows[end])
            ):
                end += 1
        if end - i == 1:
            body = bytes(first["body"])
        else:
            body = pack_bodies([bytes(r["body"]) for r in rows[i:end]])
        publications.append(
            (first["exchange"], first["routing_key"], body, _properties(first, count=end - i))
        )
        i = end
    return publications


class OutboxRelay:
    """Publishes outbox rows of one database to RabbitMQ."""

    def __init__(
        self,
        database_url: str,
        amqp_url: str,
        *,
        events_exchange: str,
        batch_size: int = 500,
        pack_size: int = 100,
        sweep_interval: float = 1.0,
        max_backoff: float = 5.0,
        name: str = "relay",
        queue_type: str = "classic",
    ) -> None:
        self.database_url = to_plain_url(database_url)
        self.amqp_url = amqp_url
        #: Of the task queues it declares: as their workers declare them.
        self.queue_type = queue_type
        self.events_exchange = events_exchange
        self.batch_size = batch_size
        #: Most events in one packed message (1: one message per event).
        self.pack_size = pack_size
        self.sweep_interval = sweep_interval
        self._wake = asyncio.Event()
        self._listen_conn: asyncpg.Connection | None = None
        self.max_backoff = max_backoff
        self.name = name
        self._pool: asyncpg.Pool | None = None
        self._amqp: aio_pika.abc.AbstractConnection | None = None
        self._channel: aio_pika.abc.AbstractChannel | None = None
        self._exchanges: dict[str, aio_pika.abc.AbstractExchange] = {}
        self._declared_queues: set[str] = set()
        self.published = 0

    # -- connections -------------------------------------------------------------------

    async def _ensure_db(self) -> asyncpg.Pool:
        if self._pool is None:
            self._pool = await asyncpg.create_pool(
                self.database_url,
                connect=connect_database,
                min_size=1,
                max_size=1,
                timeout=5,
                command_timeout=30,
            )
        if self._listen_conn is None or self._listen_conn.is_closed():
            self._listen_conn = await connect_database(self.database_url, timeout=5)
            await self._listen_conn.add_listener(OUTBOX_CHANNEL, self._on_notify)
            self._listen_conn.add_termination_listener(self._on_listen_lost)
            self._wake.set()  # catch up on whatever was committed while we were not listening
        return self._pool

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    def _on_listen_lost(self, *_: Any) -> None:
        self._listen_conn = None
        self._wake.set()

    async def _ensure_amqp(self) -> aio_pika.abc.AbstractChannel:
        if self._channel is None or self._channel.is_closed:
            await self._close_amqp()
            self._amqp = await connect(self.amqp_url)
            self._channel = await self._amqp.channel(publisher_confirms=True)
            self._exchanges = {"": self._channel.default_exchange}
            self._exchanges[self.events_exchange] = await declare_events_exchange(
                self._channel, self.events_exchange
            )
            self._declared_queues.clear()
        return self._channel

    async def _close_amqp(self) -> None:
        conn, self._amqp, self._channel = self._amqp, None, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2)

    async def _close_db(self) -> None:
        listen, self._listen_conn = self._listen_conn, None
        pool, self._pool = self._pool, None
        if listen is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(listen.close(), 2)
        if pool is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pool.close(), 2)

    async def close(self) -> None:
        await self._close_amqp()
        await self._close_db()

    # -- publishing --------------------------------------------------------------------

    async def _exchange(self, name: str, routing_key: str) -> aio_pika.abc.AbstractExchange:
        channel = await self._ensure_amqp()
        if name == "" and routing_key not in self._declared_queues:
            # Task messages go to the default exchange; make sure their queue exists so a
            # message sent before any worker ever started is kept, not dropped.
            await channel.declare_queue(
                routing_key, durable=True, arguments=queue_arguments(self.queue_type)
            )
            self._declared_queues.add(routing_key)
        if name not in self._exchanges:
            # Rows recorded under another exchange name (a renamed deployment, a test run)
            # must not block the outbox: event exchanges are durable topic exchanges.
            self._exchanges[name] = await declare_events_exchange(channel, name)
        return self._exchanges[name]

    async def publish_batch(self) -> int:
        """Claim, publish and delete up to ``batch_size`` rows. Returns how many."""
        pool = await self._ensure_db()
        channel = await self._ensure_amqp()
        async with pool.acquire() as conn, conn.transaction():
            # Its commit need not wait for the disk: a delete lost in a crash publishes the
            # rows again, and consumers drop duplicates.
            await conn.execute("SET LOCAL synchronous_commit TO off")
            rows = await conn.fetch(_CLAIM_SQL, self.batch_size)
            if not rows:
                return 0
            # Each exchange (and task queue) once per batch, not once per row.
            for exchange, routing_key in {
                (r["exchange"], r["routing_key"] if not r["exchange"] else "") for r in rows
            }:
                await self._exchange(exchange, routing_key)
            # The whole batch in one write on the channel underneath aio_pika, its
            # confirms awaited together: a batch costs one round trip, not one per row.
            await publish_confirmed(
                await channel.get_underlay_channel(), _publications(rows, self.pack_size)
            )
            await conn.execute(
                "DELETE FROM outbox WHERE id = ANY($1::bigint[])", [r["id"] for r in rows]
            )
        now = time.time()
        for row in rows:
            RELAY_LAG.observe(max(0.0, now - row["created_at"].timestamp()))
        RELAY_PUBLISHED.inc(len(rows))
        self.published += len(rows)
        return len(rows)

    async def drain(self) -> int:
        """Publish until the outbox is empty: until a batch is not full (what was committed
        after its claim comes with a wake-up of its own, so no empty claim is needed to
        know; it was one more transaction per wake-up)."""
        total = 0
        while True:
            n = await self.publish_batch()
            total += n
            if n < self.batch_size:
                return total

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Publish until ``stop`` is set, surviving broker and database outages."""
        stop = stop or asyncio.Event()
        backoff = 0.05
        log.info("relay_started", relay=self.name, exchange=self.events_exchange)
        while not stop.is_set():
            # Cleared before draining: a wake-up that arrives mid-drain starts the next one.
            self._wake.clear()
            try:
                await self.drain()
                backoff = 0.05
            except (TimeoutError, Exception) as exc:  # noqa: BLE001 - retried below
                RELAY_ERRORS.inc()
                log.warning(
                    "relay_publish_failed", relay=self.name, error=repr(exc), retry_in=backoff
                )
                await self.close()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            waiter = asyncio.ensure_future(self._wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait(
                {waiter, stopper}, timeout=self.sweep_interval, return_when=asyncio.FIRST_COMPLETED
            )
            waiter.cancel()
            stopper.cancel()
        await self.close()
        log.info("relay_stopped", relay=self.name, published=self.published)
