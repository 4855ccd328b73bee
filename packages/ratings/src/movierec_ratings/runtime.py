"""Building the ratings service's collaborators from settings (app, CLI, worker, consumer)."""

from __future__ import annotations

import redis.asyncio as redis

from movierec_common.cache import Cache, create_redis
from movierec_common.celery_app import create_celery
from movierec_common.consumer import EventConsumer
from movierec_common.db import Database
from movierec_ratings.config import Settings
from movierec_ratings.rating.handlers import create_consumer
from movierec_ratings.rating.service import RatingService


def database_for(settings: Settings, *, pool_size: int | None = None) -> Database:
    return Database(
        settings.resolved_database_url,
        pool_size=pool_size or settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        application_name="movierec-ratings",
    )


def service_for(settings: Settings, redis_client: redis.Redis) -> RatingService:
    cache = Cache(
        redis_client,
        prefix=f"{settings.namespace}:ratings",
        name="ratings",
        ttl=settings.cache_ttl_seconds,
        local_ttl=settings.local_cache_ttl_seconds,
    )
    return RatingService(settings, cache)


def consumer_for(settings: Settings) -> EventConsumer:
    return create_consumer(
        settings, database=database_for(settings), celery_app=create_celery(settings)
    )


__all__ = ["consumer_for", "create_redis", "database_for", "service_for"]
