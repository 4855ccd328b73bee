"""Celery tasks of the history service: the purge of deleted users, the backlog report."""

from __future__ import annotations

import uuid

from movierec_common.cache import create_redis
from movierec_common.userdata import purge as purge_entries
from movierec_common.userdata import register_user_data_tasks
from movierec_history.config import get_settings
from movierec_history.runtime import service_for
from movierec_history.worker import celery_app


async def purge(user_id: uuid.UUID) -> int:
    settings = get_settings()
    redis_client = create_redis(settings.redis_url)
    try:
        return await purge_entries(settings, service_for(settings, redis_client), user_id)
    finally:
        await redis_client.aclose()


register_user_data_tasks(celery_app, get_settings(), purge)
