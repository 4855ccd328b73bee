"""pytest plugin: fixtures every package's tests share (see movierec_common.testkit)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from movierec_common.testkit.proxy import TcpProxy
from movierec_common.testkit.resources import TestRun


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def test_run() -> AsyncIterator[TestRun]:
    """Names for this test process's databases, Redis keys and AMQP objects; cleaned up at exit."""
    run = TestRun()
    yield run
    await run.cleanup()


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """../shared/data/ml-latest-small beside the checkout, read in place (never copied)."""
    for base in (Path.cwd(), *Path(__file__).resolve().parents):
        candidate = base.parent / "shared" / "data" / "ml-latest-small"
        if (candidate / "movies.csv").is_file():
            return candidate
    raise FileNotFoundError("../shared/data/ml-latest-small not found beside the checkout")


@pytest.fixture
def tcp_proxy() -> Iterator[Callable[[str, int], TcpProxy]]:
    """Factory: ``tcp_proxy(url, default_port)`` → a started :class:`TcpProxy` to that server."""
    proxies: list[TcpProxy] = []

    def make(url: str, default_port: int) -> TcpProxy:
        proxy = TcpProxy.for_url(url, default_port).start()
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.stop()
