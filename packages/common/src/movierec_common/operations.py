"""What an operator asks a service about its pipeline: ``GET /<prefix>/admin/status``.

Read-only and for the admin role: the outbox backlog (rows not yet published, the oldest's
age), the service's event queue (messages ready, consumers attached) and its dead letters,
its task queue. Every service has it; the web app's status page asks all five. The answer
is kept for a few seconds per process, so a page polling it costs the broker and the
database one look per interval, not one per viewer.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import aio_pika
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from movierec_common.amqp import connect, dead_letter_queue_name
from movierec_common.auth import AdminUser
from movierec_common.celery_app import task_queue_name
from movierec_common.consumer import consumer_queue_name
from movierec_common.db import Database
from movierec_common.logging import get_logger
from movierec_common.settings import ServiceSettings
from movierec_common.tables import outbox_table

log = get_logger(__name__)

#: Seconds an answer is reused.
FRESH_FOR = 3.0


class QueueDepth(BaseModel):
    name: str
    messages: int | None = Field(description="Messages ready; null when unknown or missing")
    consumers: int | None = Field(description="Consumers attached; null when unknown")


class OutboxState(BaseModel):
    backlog: int = Field(description="Events and tasks recorded, not yet published")
    oldest_seconds: float | None = Field(description="Age of the oldest of them")


class ServiceStatus(BaseModel):
    service: str
    version: str
    checked_at: datetime
    outbox: OutboxState | None = Field(description="Null while the database does not answer")
    events: QueueDepth | None = Field(description="The event queue (null: consumes none)")
    dead_letters: QueueDepth | None
    tasks: QueueDepth
    broker_reachable: bool


async def queue_depths(amqp_url: str, names: list[str]) -> dict[str, QueueDepth]:
    """Messages ready and consumers attached, per queue, over one connection (a missing
    queue: both None)."""
    found: dict[str, QueueDepth] = {}
    connection = await connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for name in names:
            try:
                result = (await channel.declare_queue(name, passive=True)).declaration_result
                found[name] = QueueDepth(
                    name=name, messages=result.message_count, consumers=result.consumer_count
                )
            except aio_pika.exceptions.ChannelClosed:
                found[name] = QueueDepth(name=name, messages=None, consumers=None)
                channel = await connection.channel()
    return found


# The oldest row is the first by id (the primary key's index), not a scan for min(created_at).
_COUNT = select(func.count()).select_from(outbox_table)
_OLDEST = select(outbox_table.c.created_at).order_by(outbox_table.c.id).limit(1)


async def outbox_state(database: Database) -> OutboxState:
    async with database.transaction() as session:
        count = (await session.execute(_COUNT)).scalar_one()
        oldest = (await session.execute(_OLDEST)).scalar_one_or_none()
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else None
    return OutboxState(backlog=int(count), oldest_seconds=age)


async def collect_status(
    settings: ServiceSettings, database: Database, *, version: str, consumes: bool
) -> ServiceStatus:
    events = consumer_queue_name(settings) if consumes else None
    dead = dead_letter_queue_name(events) if events else None
    tasks = task_queue_name(settings)
    names = [n for n in (events, dead, tasks) if n is not None]

    async def outbox() -> OutboxState | None:
        try:
            return await asyncio.wait_for(outbox_state(database), 5)
        except Exception as exc:  # noqa: BLE001 - the page says "unknown", it does not fail
            log.warning("status_outbox_unavailable", error=repr(exc))
            return None

    async def queues() -> dict[str, QueueDepth] | None:
        try:
            return await asyncio.wait_for(queue_depths(settings.amqp_url, names), 5)
        except Exception as exc:  # noqa: BLE001
            log.warning("status_broker_unavailable", error=repr(exc))
            return None

    backlog, depths = await asyncio.gather(outbox(), queues())

    def depth(name: str | None) -> QueueDepth | None:
        if name is None:
            return None
        if depths is None:
            return QueueDepth(name=name, messages=None, consumers=None)
        return depths[name]

    return ServiceStatus(
        service=settings.service,
        version=version,
        checked_at=datetime.now(UTC),
        outbox=backlog,
        events=depth(events),
        dead_letters=depth(dead),
        tasks=depth(tasks) or QueueDepth(name=tasks, messages=None, consumers=None),
        broker_reachable=depths is not None,
    )


def status_router(prefix: str) -> APIRouter:
    router = APIRouter(prefix=f"/{prefix}/admin", tags=["operations"])
    kept: dict[str, Any] = {"at": 0.0, "status": None}
    lock = asyncio.Lock()

    @router.get(
        "/status",
        summary="The service's outbox backlog, event, dead-letter and task queues (admin)",
        response_model=ServiceStatus,
        responses={401: {"description": "Not logged in"}, 403: {"description": "Not an admin"}},
    )
    async def service_status(request: Request, _: AdminUser) -> ServiceStatus:
        async with lock:
            if kept["status"] is None or time.monotonic() - kept["at"] > FRESH_FOR:
                runtime = request.app.state.runtime
                kept["status"] = await collect_status(
                    runtime.settings,
                    runtime.database,
                    version=runtime.spec.version,
                    consumes=runtime.spec.consumes,
                )
                kept["at"] = time.monotonic()
            status: ServiceStatus = kept["status"]
            return status

    return router
