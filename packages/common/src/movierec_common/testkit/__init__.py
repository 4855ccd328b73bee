"""Test kit reused by every service's tests (loaded as a pytest plugin from the root config).

Everything a test run creates is named after the run, so runs never see each other's
data: databases ``mrt_<run>_<name>``, Redis keys under ``mrt:<run>:``, RabbitMQ exchange
``movierec.events.mrt_<run>`` and queues prefixed with the run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from movierec_common.testkit.proxy import TcpProxy

__all__ = ["TcpProxy", "eventually"]


async def eventually(
    check: Callable[[], Awaitable[bool]], *, timeout: float = 10.0, interval: float = 0.02
) -> None:
    """Poll ``check`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
