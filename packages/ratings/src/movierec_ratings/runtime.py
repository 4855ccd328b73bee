"""Building the ratings service's collaborators from settings (app, CLI, worker, consumer)."""

from __future__ import annotations

import redis.asyncio as redis

from movierec_common.cache import Cache
from movierec_common.celery_app import create_celery
from movierec_common.consumer import EventConsumer
from movierec_common.db import Database
from movierec_common.userdata import user_data_consumer
from movierec_ratings.config import Settings
from movierec_ratings.rating.service import RatingService


def service_for(settings: Settings, redis_client: redis.Redis) -> RatingService:
    return RatingService(settings, Cache.for_service(redis_client, settings))


def consumer_for(settings: Settings) -> EventConsumer:
    return user_data_consumer(
        settings, database=Database.for_service(settings), celery_app=create_celery(settings)
    )
