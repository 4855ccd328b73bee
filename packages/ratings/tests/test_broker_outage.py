"""Nothing written is lost while the broker is away."""

from __future__ import annotations

import asyncio
import json
import uuid

import aio_pika

from movierec_common.amqp import declare_events_exchange, message_bodies
from movierec_common.outbox import OutboxRelay
from movierec_testkit import eventually


async def test_a_thousand_writes_survive_a_broker_cut(
    client, token, app, settings, test_run, tcp_proxy
):
    connection = await aio_pika.connect(test_run.amqp_url)
    channel = await connection.channel()
    exchange = await declare_events_exchange(channel, settings.events_exchange)
    queue = await channel.declare_queue(test_run.queue("ratings-cut"), durable=True)
    await queue.bind(exchange, routing_key="rating.set")
    proxy = tcp_proxy(test_run.amqp_url, 5672)
    relay = OutboxRelay(
        app.state.db.url,
        proxy.url(test_run.amqp_url),
        events_exchange=settings.events_exchange,
        max_backoff=0.5,
    )
    stop = asyncio.Event()
    relaying = asyncio.create_task(relay.run(stop))
    users = [uuid.uuid4() for _ in range(1000)]
    statuses = []
    for i, user in enumerate(users):
        if i == 250:
            proxy.cut()
        if i == 750:
            proxy.restore()
        response = await client.put(
            f"/ratings/{i % 100 + 101}", json={"score": 3.5}, headers=token(user_id=user)
        )
        statuses.append(response.status_code)
    assert statuses == [201] * 1000
    wanted = {str(u) for u in users}
    seen: dict[str, int] = {}

    async def all_arrived() -> bool:
        while (message := await queue.get(fail=False, no_ack=True)) is not None:
            for body in message_bodies(message.content_type, message.body):
                event = json.loads(body)
                if event["payload"]["user_id"] in wanted:
                    seen[event["id"]] = seen.get(event["id"], 0) + 1
        return len(seen) >= 1000

    await eventually(all_arrived, timeout=60, interval=0.1)
    assert len(seen) == 1000
    stop.set()
    await relaying
    await connection.close()
