"""Broker connections: a connection that cannot open leaves nothing behind."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from urllib.parse import urlsplit, urlunsplit

from movierec_common.amqp import HEARTBEAT, connect
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
