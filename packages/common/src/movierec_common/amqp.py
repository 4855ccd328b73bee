"""RabbitMQ topology shared by relays and consumers (aio-pika)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Sequence
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import AbstractChannel, AbstractExchange
from aiormq.abc import ChannelFrame
from pamqp import commands as spec
from pamqp import frame as amqp_frame
from pamqp.header import ContentHeader

from movierec_common.logging import get_logger
from movierec_common.servers import first_to_answer

log = get_logger(__name__)


def service_queue_name(namespace: str, service: str, kind: str) -> str:
    """``<namespace>.<service>.events`` (its consumer's queue) or ``….tasks`` (Celery's)."""
    return f"{namespace}.{service}.{kind}"


def dead_letter_exchange_name(events_exchange: str) -> str:
    return f"{events_exchange}.dlx"


def dead_letter_queue_name(queue: str) -> str:
    return f"{queue}.dead"


#: Seconds of silence after which each side of a connection may count the other gone
#: (RabbitMQ's default: 60), unless the URL sets ``heartbeat``. A consumer on a lost node
#: keeps its exclusive queue until the broker counts it gone: then its replacement takes over.
HEARTBEAT = 10


async def connect(url: str, *, timeout: float = 5.0) -> aio_pika.abc.AbstractConnection:
    """A plain (non-robust) connection: callers own reconnection and its backoff.

    ``url`` may name several brokers of one cluster (``amqp://u@rabbitmq-1:5672,rabbitmq-2:5672/``):
    each is tried in turn, within ``timeout`` each, the one that answered last time first.
    """
    return await first_to_answer(
        url,
        lambda server: _connect_one(server, timeout),
        skip=(OSError, TimeoutError, aio_pika.exceptions.AMQPError),
        timeout=timeout,
    )


async def _connect_one(url: str, timeout: float) -> aio_pika.abc.AbstractConnection:
    # A connection that fails to open is closed here: left to the garbage collector,
    # aio_pika schedules its close on whatever loop is current then (or warns).
    address = aio_pika.connection.make_url(url)
    if "heartbeat" not in address.query:
        address = address.update_query(heartbeat=HEARTBEAT)
    connection = aio_pika.Connection(address, client_properties={"product": "movierec"})
    try:
        await connection.connect(timeout=timeout)
    except BaseException:
        with contextlib.suppress(Exception):
            await connection.close()
        raise
    return connection


async def declare_events_exchange(channel: AbstractChannel, name: str) -> AbstractExchange:
    """The durable topic exchange all domain events go through."""
    return await channel.declare_exchange(name, aio_pika.ExchangeType.TOPIC, durable=True)


def queue_arguments(queue_type: str) -> dict[str, Any]:
    """The declaration arguments of a durable queue of this type (``classic``: none)."""
    return {"x-queue-type": "quorum"} if queue_type == "quorum" else {}


async def declare_consumer_queue(
    channel: AbstractChannel,
    *,
    events_exchange: str,
    queue: str,
    routing_keys: list[str] | tuple[str, ...],
    queue_type: str = "classic",
    retired: list[str] | tuple[str, ...] = (),
) -> aio_pika.abc.AbstractQueue:
    """Declare a durable consumer queue bound to ``routing_keys``, with its dead-letter queue.
    Bindings of ``retired`` keys (types the service consumed once) are removed: a queue
    declared by an older version stops receiving them (unbinding what is not bound is a
    no-op).

    A message rejected without requeue lands in ``<queue>.dead`` (via ``<exchange>.dlx``
    with the queue's name as routing key), where an operator can inspect or replay it.

    One consumer at a time applies a queue's events (see :class:`EventConsumer`): on a
    classic queue its consume is exclusive; a quorum queue ignores exclusive consumes, so
    it is declared single-active-consumer instead (the others wait, idle, and the next
    takes over as soon as the active one is gone).
    """
    exchange = await declare_events_exchange(channel, events_exchange)
    dlx_name = dead_letter_exchange_name(events_exchange)
    dlx = await channel.declare_exchange(dlx_name, aio_pika.ExchangeType.DIRECT, durable=True)
    dead = await channel.declare_queue(
        dead_letter_queue_name(queue), durable=True, arguments=queue_arguments(queue_type)
    )
    await dead.bind(dlx, routing_key=queue)
    arguments: dict[str, Any] = {
        "x-dead-letter-exchange": dlx_name,
        "x-dead-letter-routing-key": queue,
    }
    if queue_type == "quorum":
        arguments["x-single-active-consumer"] = True
    q = await channel.declare_queue(
        queue, durable=True, arguments={**queue_arguments(queue_type), **arguments}
    )
    for key in routing_keys:
        await q.bind(exchange, routing_key=key)
    for key in retired:
        await q.unbind(exchange, routing_key=key)
    return q


#: The content type of a packed message: a run of events of one type (one routing key), their
#: envelopes one per line, in the order they were recorded. A message of one event is its
#: envelope (``application/json``); a relay packs runs to pay the broker's and the clients'
#: cost per message once per run (docs/architecture.md, "Events").
PACKED_CONTENT_TYPE = "application/x-ndjson"
#: The header of a packed message that says how many events it carries.
EVENT_COUNT_HEADER = "x-event-count"


def pack_bodies(bodies: Sequence[bytes]) -> bytes:
    """The body of a packed message (no envelope may contain a raw newline: JSON escapes it
    inside strings, and neither orjson nor PostgreSQL put one between tokens)."""
    return b"\n".join(bodies)


def message_bodies(content_type: str | None, body: bytes) -> list[bytes]:
    """The envelopes a message carries: one, or each line of a packed message."""
    if content_type == PACKED_CONTENT_TYPE:
        return body.split(b"\n")
    return [body]


def message_event_count(headers: dict[str, Any] | None) -> int:
    """How many events a delivered message carries, from its header (1 without one)."""
    count = (headers or {}).get(EVENT_COUNT_HEADER, 1)
    return count if isinstance(count, int) and count > 0 else 1


#: One message for :func:`publish_confirmed`: exchange, routing key, body, properties.
Publication = tuple[str, str, bytes, spec.Basic.Properties]


class PublishRefusedError(ConnectionError):
    """The broker refused (nacked) messages of a batch."""


async def publish_confirmed(
    channel: aiormq.abc.AbstractChannel, messages: Sequence[Publication], *, timeout: float = 10.0
) -> None:
    """Publish ``messages`` in order on a confirming channel and wait until the broker
    confirmed every one; raises :class:`PublishRefusedError` if it refused any.

    The batch goes to the connection's writer as one buffer: aiormq's ``basic_publish``
    runs a task, a lock, a timeout and a queue put per message (about half of the relay's
    time); here they are paid once per batch. It uses the channel's own delivery tags and
    confirmation table (aiormq 7.2, pinned), so its reader settles these confirms and a
    closing channel fails them, as for any publish.
    """
    if not messages:
        return
    assert isinstance(channel, aiormq.Channel), "aiormq's own channel class"
    confirms = []
    payload = []
    number = channel.number
    async with channel.lock:  # raises ChannelInvalidStateError once the channel closed
        for exchange, routing_key, body, properties in messages:
            payload.append(_publish_frame(exchange, routing_key, number))
            payload.append(amqp_frame.marshal(ContentHeader(0, len(body), properties), number))
            payload.extend(amqp_frame.marshal(part, number) for part in channel._split_body(body))
            channel.delivery_tag += 1
            confirm = channel.create_future()
            channel.confirmations[channel.delivery_tag] = confirm
            confirms.append(confirm)
        written = channel.create_future()
        await channel.write_queue.put(
            ChannelFrame(payload=b"".join(payload), should_close=False, drain_future=written)
        )
        await written
    try:
        await asyncio.wait_for(asyncio.gather(*confirms), timeout)
    except aiormq.exceptions.DeliveryError as exc:
        raise PublishRefusedError(
            f"the broker refused messages of a batch of {len(messages)}"
        ) from exc


@functools.lru_cache(maxsize=1024)
def _publish_frame(exchange: str, routing_key: str, channel_number: int) -> bytes:
    """The Basic.Publish method frame: the same bytes for every message of a route."""
    return amqp_frame.marshal(
        spec.Basic.Publish(exchange=exchange, routing_key=routing_key), channel_number
    )
