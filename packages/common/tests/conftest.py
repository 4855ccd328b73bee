from __future__ import annotations

from collections.abc import AsyncIterator

import aio_pika
import pytest_asyncio

from movierec_common.amqp import declare_events_exchange
from movierec_common.db import Database
from movierec_tools.scratch import ScratchRun


@pytest_asyncio.fixture(loop_scope="session")
async def kernel_db(test_run: ScratchRun, request) -> AsyncIterator[Database]:
    """A fresh database with the kernel tables, one per test."""
    name = request.node.name.lower().replace("[", "_").replace("]", "").replace("-", "_")[:40]
    url = await test_run.create_database(name)
    db = Database(url, pool_size=5)
    yield db
    await db.dispose()


@pytest_asyncio.fixture(loop_scope="session")
async def amqp_channel(test_run: ScratchRun) -> AsyncIterator[aio_pika.abc.AbstractChannel]:
    connection = await aio_pika.connect(test_run.amqp_url)
    channel = await connection.channel()
    await declare_events_exchange(channel, test_run.events_exchange)
    yield channel
    await connection.close()
