"""Celery tasks of the ratings service."""

from __future__ import annotations

import asyncio
import uuid

from movierec_common.cache import create_redis
from movierec_common.db import oneoff_transaction
from movierec_common.logging import get_logger
from movierec_common.maintenance import report_backlog
from movierec_ratings.config import get_settings
from movierec_ratings.runtime import service_for
from movierec_ratings.worker import celery_app

log = get_logger(__name__)


async def purge(user_id: uuid.UUID) -> int:
    settings = get_settings()
    redis_client = create_redis(settings.redis_url)
    try:
        async with oneoff_transaction(settings.resolved_database_url) as session:
            removed = await service_for(settings, redis_client).purge_user(session, user_id)
    finally:
        await redis_client.aclose()
    log.info("user_purged", user_id=str(user_id), ratings=removed)
    return removed


@celery_app.task(name="movierec_ratings.purge_user")
def purge_user(user_id: str) -> int:
    return asyncio.run(purge(uuid.UUID(user_id)))


@celery_app.task(name="movierec_ratings.report_backlog")
def report() -> dict:
    return asyncio.run(report_backlog(get_settings(), consumes=True))
