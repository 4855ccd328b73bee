"""RabbitMQ topology shared by relays and consumers (aio-pika)."""

from __future__ import annotations

import contextlib
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange

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
) -> aio_pika.abc.AbstractQueue:
    """Declare a durable consumer queue bound to ``routing_keys``, with its dead-letter queue.

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
    return q
