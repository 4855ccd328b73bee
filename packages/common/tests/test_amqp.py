"""Broker connections: a connection that cannot open leaves nothing behind."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from urllib.parse import urlsplit, urlunsplit

import aiormq
import pytest

from movierec_common.amqp import HEARTBEAT, PublishRefusedError, connect, publish_confirmed
from movierec_common.servers import servers_to_try
from movierec_tools.processes import free_port

# Run in a process of its own: pytest's log capture keeps the failure's traceback (and the
# half-made connection in it) alive, which would hide a connection left open.
_CONNECT_AND_LIST_TASKS = textwrap.dedent(
    """
    import asyncio, gc, sys
    from movierec_common.amqp import connect

    async def main():
        try:
            await connect(sys.argv[1], timeout=2)
        except Exception:
            pass
        else:
            raise SystemExit("connected to a port nobody listens on")
        gc.collect()
        current = asyncio.current_task()
        print([t.get_coro().__qualname__ for t in asyncio.all_tasks() if t is not current])

    asyncio.run(main())
    """
)


def test_a_connection_that_fails_to_open_is_closed_at_once():
    # aio_pika's own connect() drops the half-made connection; its __del__ then schedules a
    # close on whichever loop is current, or warns "coroutine ... was never awaited".
    url = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    result = subprocess.run(
        [sys.executable, "-c", _CONNECT_AND_LIST_TASKS, url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[]", result.stdout


async def test_connections_agree_on_a_short_heartbeat_unless_the_url_sets_one(test_run):
    # The broker learns that a consumer's node is gone within a couple of heartbeats: its
    # exclusive queue is free for the replacement well within half a minute.
    for url, expected in (
        (test_run.amqp_url, HEARTBEAT),
        (f"{test_run.amqp_url}?heartbeat=30", 30),
    ):
        connection = await connect(url)
        try:
            assert connection.transport.connection.connection_tune.heartbeat == expected
        finally:
            await connection.close()


async def test_a_url_naming_a_cluster_connects_to_a_broker_that_answers(test_run):
    """``amqp://u@rabbitmq-1:5672,rabbitmq-2:5672/``: a lost member is skipped, and the one
    that answered is tried first next time."""
    parts = urlsplit(test_run.amqp_url)
    userinfo, _, broker = parts.netloc.rpartition("@")
    down = f"127.0.0.1:{free_port()}"
    url = urlunsplit((parts.scheme, f"{userinfo}@{down},{broker}", parts.path, "", ""))
    for _ in range(2):
        connection = await connect(url, timeout=2)
        try:
            assert servers_to_try(url)[0].endswith(f"@{broker}{parts.path}")
        finally:
            await connection.close()


@pytest.fixture
async def confirming(test_run):
    """A channel with publisher confirms, on a connection of its own."""
    connection = await connect(test_run.amqp_url)
    yield await connection.channel(publisher_confirms=True)
    await connection.close()


async def test_a_batch_is_published_in_order_with_its_properties_and_confirmed(
    amqp_channel, confirming, test_run
):
    queue = await amqp_channel.declare_queue(test_run.queue("confirmed-batch"), durable=True)
    raw = await confirming.get_underlay_channel()
    big = b"x" * (raw.max_content_size * 2 + 10)  # split over three body frames
    messages = [
        (
            "",
            queue.name,
            body,
            aiormq.spec.Basic.Properties(
                message_id=f"m{i}", message_type="rating.set", headers={"n": i}, delivery_mode=2
            ),
        )
        for i, body in enumerate([b"first", big, b"", b"last"])
    ]
    await publish_confirmed(raw, messages)
    await publish_confirmed(raw, messages[:1])  # delivery tags go on from the first batch
    got = []
    for _ in range(5):
        message = await queue.get(no_ack=True, timeout=5)
        got.append((message.message_id, message.type, message.headers, message.body))
    sent = [
        (f"m{i}", "rating.set", {"n": i}, body)
        for i, body in enumerate([b"first", big, b"", b"last"])
    ]
    assert got == [*sent, sent[0]]


async def test_a_batch_the_broker_refuses_raises(amqp_channel, confirming, test_run):
    # A queue that holds one message and refuses the next: the broker nacks them.
    queue = await amqp_channel.declare_queue(
        test_run.queue("refusing"),
        arguments={"x-max-length": 1, "x-overflow": "reject-publish"},
    )
    raw = await confirming.get_underlay_channel()
    message = ("", queue.name, b"{}", aiormq.spec.Basic.Properties(delivery_mode=2))
    with pytest.raises(PublishRefusedError):
        await publish_confirmed(raw, [message, message, message])
    assert (
        await amqp_channel.declare_queue(queue.name, passive=True)
    ).declaration_result.message_count == 1


async def test_a_batch_on_a_closed_channel_raises(confirming):
    raw = await confirming.get_underlay_channel()
    await confirming.close()
    with pytest.raises(aiormq.exceptions.ChannelInvalidStateError):
        await publish_confirmed(raw, [("", "nowhere", b"{}", aiormq.spec.Basic.Properties())])
