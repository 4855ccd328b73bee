"""RabbitMQ topology shared by relays and consumers (aio-pika)."""

from __future__ import annotations

import contextlib

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange

from movierec_common.logging import get_logger

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

    A connection that fails to open is closed here: left to the garbage collector, aio_pika
    schedules its close on whatever loop is current then (or warns that it never ran).
    """
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


async def declare_consumer_queue(
    channel: AbstractChannel,
    *,
    events_exchange: str,
    queue: str,
    routing_keys: list[str] | tuple[str, ...],
) -> aio_pika.abc.AbstractQueue:
    """Declare a durable consumer queue bound to ``routing_keys``, with its dead-letter queue.

    A message rejected without requeue lands in ``<queue>.dead`` (via ``<exchange>.dlx``
    with the queue's name as routing key), where an operator can inspect or replay it.
    """
    exchange = await declare_events_exchange(channel, events_exchange)
    dlx_name = dead_letter_exchange_name(events_exchange)
    dlx = await channel.declare_exchange(dlx_name, aio_pika.ExchangeType.DIRECT, durable=True)
    dead = await channel.declare_queue(dead_letter_queue_name(queue), durable=True)
    await dead.bind(dlx, routing_key=queue)
    q = await channel.declare_queue(
        queue,
        durable=True,
        arguments={"x-dead-letter-exchange": dlx_name, "x-dead-letter-routing-key": queue},
    )
    for key in routing_keys:
        await q.bind(exchange, routing_key=key)
    return q
