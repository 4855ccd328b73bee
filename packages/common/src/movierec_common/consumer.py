"""Batched, idempotent event consumer.

Messages are taken from a durable queue in batches and their events applied in one database
transaction; they are acked only after that transaction committed. A message carries one
event or, packed by a relay, a run of events of one type (``amqp.PACKED_CONTENT_TYPE``).
Each event is applied at most once per consuming service:

* an inbox of processed event ids drops duplicates;
* the last version seen per (family, aggregate_id) drops older (reordered) events;
* tombstones of deleted users and movies drop late events that mention them, so they
  cannot be resurrected;
* a handler that fails gets its own savepoint rolled back and the message is retried a
  few times (its other events, applied, are skipped then), then dead-lettered whole to
  ``<queue>.dead`` while the consumer keeps going;
* if the database or the broker goes away the batch is requeued and the consumer
  reconnects with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aio_pika
import aiormq
from aiormq.abc import DeliveredMessage
from prometheus_client import Counter, Histogram
from sqlalchemy import BigInteger, Text, Uuid, bindparam, delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.amqp import (
    connect,
    declare_consumer_queue,
    message_bodies,
    message_event_count,
    service_queue_name,
)
from movierec_common.db import Database, array_rows, insert_rows
from movierec_common.events import CONTRACTS, Event, parse_event
from movierec_common.logging import get_logger
from movierec_common.settings import ServiceSettings
from movierec_common.sweeps import Sweeper
from movierec_common.tables import aggregate_version_table, inbox_table, tombstone_table

log = get_logger(__name__)

Handler = Callable[[AsyncSession, Event], Awaitable[None]]
#: Applies several events of one type at once (bulk SQL): for the high-volume types.
BatchHandler = Callable[[AsyncSession, list[Event]], Awaitable[None]]

#: Events that delete an entity, and the tombstone kind (their family) they leave. A
#: payload field ``<kind>_id`` names an entity of that kind; newer events of the family
#: itself re-create a deleted entity.
TOMBSTONE_EVENTS: dict[str, str] = {c.type: c.family for c in CONTRACTS.values() if c.deletes}
TOMBSTONE_KINDS: frozenset[str] = frozenset(TOMBSTONE_EVENTS.values())

CONSUMED = Counter(
    "movierec_consumer_events_total", "Events taken from the queue", ["queue", "outcome"]
)
BATCH_SIZE = Histogram(
    "movierec_consumer_batch_size",
    "Events applied per transaction",
    ["queue"],
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000),
)


@dataclass
class _Item:
    """One event of a batch (the events of a packed message share their message)."""

    message: DeliveredMessage
    event: Event | None = None
    outcome: str = "pending"  # applied | skipped | failed | dead


class EventConsumer:
    """Consumes domain events for one service into its database."""

    def __init__(
        self,
        *,
        database: Database,
        amqp_url: str,
        events_exchange: str,
        queue: str,
        handlers: dict[str, Handler],
        batch_handlers: dict[str, BatchHandler] | None = None,
        batch_size: int = 200,
        linger: float = 0.0,
        max_attempts: int = 3,
        max_backoff: float = 5.0,
        queue_type: str = "classic",
        sweepers: list[Sweeper] | None = None,
        retired: list[str] | None = None,
    ) -> None:
        self.database = database
        #: Run alongside the consumption, as long as it (see movierec_common.sweeps).
        self.sweepers = sweepers or []
        #: Types the service consumed once: their bindings are removed.
        self.retired = retired or []
        self.amqp_url = amqp_url
        self.queue_type = queue_type
        self.events_exchange = events_exchange
        self.queue_name = queue
        self.handlers = handlers
        #: Consecutive events of these types in a batch go to their handler together (order
        #: across handlers is kept: a run ends at the first event another handler takes).
        self.batch_handlers = batch_handlers or {}
        self.batch_size = batch_size
        self.linger = linger
        self.max_attempts = max_attempts
        self.max_backoff = max_backoff
        self._attempts: dict[str, int] = {}
        self._counters: dict[str, Any] = {}
        self._buffer: asyncio.Queue[DeliveredMessage] = asyncio.Queue()
        #: Events in the buffer's messages (a packed message carries several).
        self._buffered = 0
        self._channel: aiormq.abc.AbstractChannel | None = None
        #: Messages the broker may send before they are acked (see :meth:`_fit_prefetch`).
        self._prefetch = batch_size * 2
        self.applied = 0
        self.batches = 0
        self.dead_lettered = 0
        #: Set after every committed batch; tests and the seeding barrier wait on it.
        self.progress = asyncio.Condition()

    @property
    def routing_keys(self) -> list[str]:
        return sorted({*self.handlers, *self.batch_handlers})

    async def declare_queue(self) -> None:
        """Declare the durable queue and its bindings (and dead-letter queue) once.

        ``movierec-<svc> migrate`` does it, so events published before the consumer's
        first start are kept for it rather than dropped by an exchange with no queue.
        """
        connection = await connect(self.amqp_url)
        async with connection:
            channel = await connection.channel()
            await declare_consumer_queue(
                channel,
                events_exchange=self.events_exchange,
                queue=self.queue_name,
                routing_keys=self.routing_keys,
                queue_type=self.queue_type,
                retired=self.retired,
            )

    # -- the loop ----------------------------------------------------------------------

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Consume until ``stop`` is set, reconnecting after broker or database outages; the
        sweepers run meanwhile."""
        stop = stop or asyncio.Event()
        sweeping = [asyncio.ensure_future(s.run(stop)) for s in self.sweepers]
        try:
            await self._consume(stop)
        finally:
            # They stop with the consumer, whatever ended it (a sweep cut short rolls back:
            # its rows stay queued).
            for task in sweeping:
                task.cancel()
            await asyncio.gather(*sweeping, return_exceptions=True)

    async def _consume(self, stop: asyncio.Event) -> None:
        backoff = 0.05
        log.info("consumer_started", queue=self.queue_name, routing_keys=self.routing_keys)
        while not stop.is_set():
            connection = None
            batches = self.batches
            try:
                connection = await connect(self.amqp_url)
                lost = asyncio.Event()
                connection.close_callbacks.add(lambda *_, lost=lost: lost.set())
                channel = await connection.channel()
                self._prefetch = self.batch_size * 2
                await channel.set_qos(prefetch_count=self._prefetch)
                queue = await declare_consumer_queue(
                    channel,
                    events_exchange=self.events_exchange,
                    queue=self.queue_name,
                    routing_keys=self.routing_keys,
                    queue_type=self.queue_type,
                    retired=self.retired,
                )
                self._buffer = asyncio.Queue()
                self._buffered = 0
                # The channel underneath aio_pika: its deliveries go to the buffer as they
                # are, without a wrapper object each (a tenth of the consumer's time).
                raw = self._channel = await channel.get_underlay_channel()
                # One consumer per queue at a time. A batch reads the versions before it
                # writes, so a second consumer of the queue (a start-first update, a scaled
                # service) could apply an older event after a newer one committed in
                # between. On a classic queue the consume is exclusive (a second one waits
                # here until the first is gone); a quorum queue has a single active consumer
                # (a second one is registered but gets nothing until then).
                await raw.basic_consume(
                    queue.name, self._deliver, exclusive=self.queue_type == "classic"
                )
                log.info("consumer_attached", queue=self.queue_name)
                await self._process_until(stop, lost)
            except (TimeoutError, Exception) as exc:  # noqa: BLE001 - reconnect below
                if self.batches > batches:
                    # Batches committed since the last failure: this is a new outage. (Only
                    # a committed batch resets the wait: reaching the broker again is not
                    # enough while the database is still down.)
                    backoff = 0.05
                if _in_exclusive_use(exc):
                    log.info(
                        "consumer_waiting",
                        queue=self.queue_name,
                        reason="another consumer holds the queue",
                        retry_in=backoff,
                    )
                else:
                    log.warning(
                        "consumer_failed", queue=self.queue_name, error=repr(exc), retry_in=backoff
                    )
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
                backoff = min(backoff * 2, self.max_backoff)
            finally:
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(connection.close(), 2)
        log.info("consumer_stopped", queue=self.queue_name, applied=self.applied)

    async def _deliver(self, message: DeliveredMessage) -> None:
        self._buffered += message_event_count(message.header.properties.headers)
        self._buffer.put_nowait(message)

    def _take(self) -> DeliveredMessage:
        message = self._buffer.get_nowait()
        self._buffered -= message_event_count(message.header.properties.headers)
        return message

    async def _process_until(self, stop: asyncio.Event, lost: asyncio.Event) -> None:
        while not stop.is_set():
            if lost.is_set():
                raise ConnectionError("broker connection lost")
            getter = asyncio.ensure_future(self._buffer.get())
            stopper = asyncio.ensure_future(stop.wait())
            lost_waiter = asyncio.ensure_future(lost.wait())
            done, _ = await asyncio.wait(
                {getter, stopper, lost_waiter}, return_when=asyncio.FIRST_COMPLETED
            )
            stopper.cancel()
            lost_waiter.cancel()
            if getter not in done:
                getter.cancel()
                continue
            first = getter.result()
            events = message_event_count(first.header.properties.headers)
            self._buffered -= events
            batch = [first]
            if self.linger and events + self._buffered < self.batch_size:
                # Not a full batch waiting: give a trickle of events a moment to gather.
                await asyncio.sleep(self.linger)
            # Up to a batch of events (a packed message is never split).
            while events < self.batch_size and not self._buffer.empty():
                batch.append(self._take())
                events += message_event_count(batch[-1].header.properties.headers)
            await self.process_batch(batch)
            await self._fit_prefetch(events / len(batch))

    async def _fit_prefetch(self, per_message: float) -> None:
        """Keep about two batches of events in flight, whether messages carry one event or
        a packed run: a prefetch of ``2 × batch_size`` packed messages would hold a hundred
        times that in the consumer, unseen in the queue's depth and redelivered whole
        after a crash. Changed only when off by half or more (one round trip)."""
        wanted = max(4, min(self.batch_size * 2, round(self.batch_size * 2 / per_message)))
        if self._channel is None or 2 * self._prefetch // 3 <= wanted <= 3 * self._prefetch // 2:
            return
        await self._channel.basic_qos(prefetch_count=wanted)
        self._prefetch = wanted

    # -- one batch ---------------------------------------------------------------------

    async def process_batch(self, messages: list[DeliveredMessage]) -> None:
        """Apply the events of ``messages`` in one transaction, then ack, retry or
        dead-letter each message."""
        # The events of each message, in order (a packed message carries several).
        groups: list[list[_Item]] = []
        for message in messages:
            group: list[_Item] = []
            for body in message_bodies(message.header.properties.content_type, message.body):
                item = _Item(message=message)
                try:
                    item.event = parse_event(body)
                except ValueError as exc:
                    log.error(
                        "consumer_malformed_event",
                        queue=self.queue_name,
                        message_id=_message_id(message),
                        error=str(exc)[:500],
                    )
                    item.outcome = "dead"
                group.append(item)
            groups.append(group)
        items = [item for group in groups for item in group]
        pending = [i for i in items if i.outcome == "pending"]
        try:
            try:
                # Fast path: the whole batch in one transaction without savepoints.
                async with self.database.transaction() as session:
                    await self._apply(session, pending, isolate=False)
            except _IsolateHandlersError:
                # A handler failed: redo the batch with a savepoint around each event, so
                # only the failing events are retried or dead-lettered.
                for item in pending:
                    item.outcome = "pending"
                async with self.database.transaction() as session:
                    await self._apply(session, pending, isolate=True)
        except BaseException:
            # Nothing was committed: hand every message back to the broker.
            for message in messages:
                with contextlib.suppress(Exception):
                    await _settle(message, "nack")
            raise
        if all(i.outcome in ("applied", "skipped") for i in items):
            # One ack for the whole batch: deliveries are processed in order on one channel.
            last = max(messages, key=lambda m: m.delivery_tag or 0)
            await _settle(last, "ack", multiple=True)
            self._count_settled(groups)
        else:
            for group in groups:
                await self._settle(group)
        self.batches += 1
        BATCH_SIZE.labels(self.queue_name).observe(len(items))
        async with self.progress:
            self.progress.notify_all()

    async def _apply(self, session: AsyncSession, items: list[_Item], *, isolate: bool) -> None:
        if not items:
            return
        events = [i.event for i in items if i.event is not None]
        ids = list({e.id for e in events})
        seen = set((await session.execute(_SEEN, {"ids": ids})).scalars())
        keys = list({(e.family, e.aggregate_id) for e in events})
        versions: dict[tuple[str, str], int] = {
            (row.family, row.aggregate_id): row.version
            for row in await session.execute(
                _VERSIONS, {"f": [f for f, _ in keys], "a": [a for _, a in keys]}
            )
        }
        refs = list({ref for e in events for ref in _entity_refs(e)})
        tombstones: dict[tuple[str, str], int] = {}
        if refs:
            tombstones = {
                (row.kind, row.entity_id): row.version
                for row in await session.execute(
                    _TOMBSTONES, {"k": [k for k, _ in refs], "e": [e for _, e in refs]}
                )
            }
        changed_versions: dict[tuple[str, str], int] = {}
        processed: dict[Any, str] = {}
        run: list[Event] = []  # consecutive events for one batch handler, not applied yet
        for item in items:
            event = item.event
            assert event is not None
            key = (event.family, event.aggregate_id)
            if event.id in seen or event.id in processed:
                item.outcome = "skipped"
                continue
            if event.aggregate_version <= versions.get(key, 0) or (
                tombstones and _buried(event, tombstones)
            ):
                item.outcome = "skipped"
                processed[event.id] = event.type
                continue
            batch_handler = None if isolate else self.batch_handlers.get(event.type)
            try:
                if batch_handler is not None:
                    # Queued for its batch handler, in the loop: a call per event cost 8 %.
                    if run and self.batch_handlers[run[0].type] is not batch_handler:
                        await self._flush(session, run)
                    run.append(event)
                else:
                    await self._handle(session, event, run, isolate=isolate)
            except Exception as exc:
                if not isolate:
                    raise _IsolateHandlersError from exc
                log.warning(
                    "consumer_handler_failed",
                    queue=self.queue_name,
                    event_id=str(event.id),
                    event_type=event.type,
                    error=repr(exc)[:500],
                )
                item.outcome = "failed"
                continue
            item.outcome = "applied"
            processed[event.id] = event.type
            versions[key] = changed_versions[key] = event.aggregate_version
            kind = TOMBSTONE_EVENTS.get(event.type)
            if kind is not None:
                tombstones[(kind, event.aggregate_id)] = event.aggregate_version
                await session.execute(
                    pg_insert(tombstone_table)
                    .values(
                        kind=kind, entity_id=event.aggregate_id, version=event.aggregate_version
                    )
                    .on_conflict_do_update(
                        index_elements=["kind", "entity_id"],
                        set_={"version": event.aggregate_version},
                    )
                )
            elif (event.family, event.aggregate_id) in tombstones:
                # A newer upsert of a deleted entity re-creates it.
                del tombstones[(event.family, event.aggregate_id)]
                await session.execute(
                    delete(tombstone_table).where(
                        tombstone_table.c.kind == event.family,
                        tombstone_table.c.entity_id == event.aggregate_id,
                    )
                )
        try:
            await self._flush(session, run)
        except Exception as exc:
            raise _IsolateHandlersError from exc
        if processed:
            await session.execute(
                _ADD_TO_INBOX,
                {"event_id": list(processed), "event_type": list(processed.values())},
            )
        if changed_versions:
            await session.execute(
                _SET_VERSIONS,
                {
                    "family": [f for f, _ in changed_versions],
                    "aggregate_id": [a for _, a in changed_versions],
                    "version": list(changed_versions.values()),
                },
            )

    async def _handle(
        self, session: AsyncSession, event: Event, run: list[Event], *, isolate: bool
    ) -> None:
        """Apply one event now, after the ``run`` waiting for a batch handler (the caller
        queues events of batch handlers). Isolated (after a failure) every event, a batch
        handler's too, is applied alone in its own savepoint."""
        batch_handler = self.batch_handlers.get(event.type)
        if batch_handler is not None:
            async with session.begin_nested():
                await batch_handler(session, [event])
            return
        await self._flush(session, run)
        handler = self.handlers.get(event.type)
        if handler is None:
            return
        if isolate:
            async with session.begin_nested():
                await handler(session, event)
        else:
            await handler(session, event)

    async def _flush(self, session: AsyncSession, run: list[Event]) -> None:
        if run:
            await self.batch_handlers[run[0].type](session, list(run))
            run.clear()

    def _count_settled(self, groups: list[list[_Item]]) -> None:
        """Count the applied or skipped events of acked messages (an increment per
        outcome) and forget the messages' attempts."""
        if self._attempts:
            for group in groups:
                self._attempts.pop(_attempt_key(group), None)
        items = [item for group in groups for item in group]
        applied = sum(item.outcome == "applied" for item in items)
        self.applied += applied
        if applied:
            self._counter("applied").inc(applied)
        if len(items) > applied:
            self._counter("skipped").inc(len(items) - applied)

    def _counter(self, outcome: str) -> Any:
        """The counter of ``outcome`` on this queue (a labels() lookup costs ~2 µs)."""
        counter = self._counters.get(outcome)
        if counter is None:
            counter = self._counters[outcome] = CONSUMED.labels(self.queue_name, outcome)
        return counter

    async def _settle(self, items: list[_Item]) -> None:
        """Settle the message of ``items`` (its events): ack when every one was applied or
        skipped, else retry it (requeued: redelivered, its applied events are skipped) or,
        after ``max_attempts`` or when an event is malformed, dead-letter it whole."""
        message = items[0].message
        key = _attempt_key(items)
        outcomes = {i.outcome for i in items}
        if outcomes <= {"applied", "skipped"}:
            await _settle(message, "ack")
            self._count_settled([items])
            return
        if "dead" not in outcomes:
            attempts = self._attempts.get(key, 0) + 1
            if attempts < self.max_attempts:
                self._attempts[key] = attempts
                await _settle(message, "nack")
                self._counter("retried").inc()
                return
        self._attempts.pop(key, None)
        log.error(
            "consumer_dead_lettered",
            queue=self.queue_name,
            event_id=key,
            events=len(items),
            failed=[str(i.event.id) for i in items if i.event and i.outcome == "failed"],
        )
        await _settle(message, "reject")
        self.dead_lettered += 1
        self._counter("dead_lettered").inc()


# The bookkeeping of every batch, built once (one statement each, whatever the batch size).
#
# The lookups probe the primary key once per key (LATERAL … LIMIT 1: a subquery with a limit
# is never flattened into a join). As plain joins with the unnested arrays, the prepared
# statements' generic plans were made while the tables were small (a hash join over a
# sequential scan) and kept as they grew until an ANALYZE, which never came where
# autovacuum is off: every batch read the whole inbox and version tables (117 million rows
# read for 212,000 events while seeding).
_SEEN = text(
    "SELECT i.event_id FROM unnest(CAST(:ids AS uuid[])) AS k(id)"
    " JOIN LATERAL (SELECT i.event_id FROM inbox i WHERE i.event_id = k.id LIMIT 1) i ON true"
)
_VERSIONS = text(
    "SELECT k.family, k.id AS aggregate_id, v.version"
    " FROM unnest(CAST(:f AS text[]), CAST(:a AS text[])) AS k(family, id)"
    " JOIN LATERAL (SELECT v.version FROM aggregate_version v"
    " WHERE v.family = k.family AND v.aggregate_id = k.id LIMIT 1) v ON true"
)
_TOMBSTONES = text(
    "SELECT r.kind, r.id AS entity_id, t.version"
    " FROM unnest(CAST(:k AS text[]), CAST(:e AS text[])) AS r(kind, id)"
    " JOIN LATERAL (SELECT t.version FROM tombstone t"
    " WHERE t.kind = r.kind AND t.entity_id = r.id LIMIT 1) t ON true"
)
_ADD_TO_INBOX = insert_rows(
    inbox_table, array_rows(event_id=Uuid(), event_type=Text())
).on_conflict_do_nothing()
_versions = insert_rows(
    aggregate_version_table,
    array_rows(family=Text(), aggregate_id=Text(), version=BigInteger()),
)
_SET_VERSIONS = _versions.on_conflict_do_update(
    index_elements=["family", "aggregate_id"],
    set_={"version": _versions.excluded.version},
    where=aggregate_version_table.c.version < _versions.excluded.version,
)


class _IsolateHandlersError(Exception):
    """A handler failed on the fast path; the batch is redone with savepoints."""


def _in_exclusive_use(exc: BaseException) -> bool:
    """The broker refused the consumer because another one holds the queue."""
    return isinstance(exc, aiormq.exceptions.ChannelAccessRefused) and "exclusive use" in str(exc)


def _message_id(message: DeliveredMessage) -> str | None:
    return message.header.properties.message_id


def _attempt_key(items: list[_Item]) -> str:
    """What the attempts of a message (its events: ``items``) are counted by: its first
    event's id (a packed message's first event is its message id), else its message id."""
    event = items[0].event
    return str(event.id) if event is not None else (_message_id(items[0].message) or "")


async def _settle(message: DeliveredMessage, how: str, *, multiple: bool = False) -> None:
    """Ack (``multiple``: every delivery up to this one), nack to requeue, or reject to the
    dead-letter queue."""
    tag = message.delivery_tag
    if tag is None:
        raise ValueError("a delivery without a delivery tag cannot be settled")
    if how == "ack":
        await message.channel.basic_ack(tag, multiple=multiple)
    elif how == "nack":
        await message.channel.basic_nack(tag, requeue=True)
    else:
        await message.channel.basic_reject(tag, requeue=False)


def consumer_queue_name(settings: ServiceSettings) -> str:
    """The durable queue of a service's consumer: ``<namespace>.<service>.events``."""
    return service_queue_name(settings.namespace, settings.service, "events")


def _entity_refs(event: Event) -> set[tuple[str, str]]:
    refs = set()
    for kind in TOMBSTONE_KINDS:
        value = event.payload.get(f"{kind}_id")
        if value is not None:
            refs.add((kind, str(value)))
    return refs


def _buried(event: Event, tombstones: dict[tuple[str, str], int]) -> bool:
    """True when the event mentions a deleted entity and cannot re-create it."""
    for kind, entity_id in _entity_refs(event):
        version = tombstones.get((kind, entity_id))
        if version is None:
            continue
        if kind == event.family and event.aggregate_version > version:
            continue  # a newer event of the entity itself re-creates it
        return True
    return False


_TOMBSTONED = select(tombstone_table.c.kind).where(
    tombstone_table.c.kind == bindparam("kind"),
    tombstone_table.c.entity_id == bindparam("entity_id"),
)


async def is_tombstoned(session: AsyncSession, kind: str, entity_id: object) -> bool:
    """True when the consumer applied the deletion of this entity (e.g. a user's); every
    write of a user's data asks, so the statement is built once."""
    found = await session.execute(_TOMBSTONED, {"kind": kind, "entity_id": str(entity_id)})
    return found.first() is not None


async def publish_raw(amqp_url: str, exchange: str, routing_key: str, body: bytes) -> None:
    """Publish one message directly (tests and tools; services use the outbox)."""
    connection = await connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        ex = (
            await channel.get_exchange(exchange, ensure=True)
            if exchange
            else channel.default_exchange
        )
        await ex.publish(
            aio_pika.Message(body=body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=routing_key,
        )
