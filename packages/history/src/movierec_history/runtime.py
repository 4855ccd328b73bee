"""Building the history service's collaborators from settings (app, CLI, worker, consumer)."""

from __future__ import annotations

import redis.asyncio as redis

from movierec_common.cache import Cache
from movierec_common.celery_app import create_celery
from movierec_common.consumer import EventConsumer
from movierec_common.db import Database
from movierec_common.userdata import user_data_consumer
from movierec_history.config import Settings
from movierec_history.watch.service import HistoryService


def service_for(settings: Settings, redis_client: redis.Redis) -> HistoryService:
    return HistoryService(settings, Cache.for_service(redis_client, settings))


def consumer_for(settings: Settings) -> EventConsumer:
    return user_data_consumer(
        settings, database=Database.for_service(settings), celery_app=create_celery(settings)
    )
