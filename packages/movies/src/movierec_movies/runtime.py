"""Building the movies service's collaborators from settings (app, CLI, worker, consumer)."""

from __future__ import annotations

import redis.asyncio as redis

from movierec_common.cache import Cache, create_redis
from movierec_common.consumer import EventConsumer
from movierec_common.db import Database
from movierec_movies.catalog.handlers import create_consumer
from movierec_movies.catalog.service import CatalogService
from movierec_movies.config import Settings


def database_for(settings: Settings) -> Database:
    return Database(
        settings.resolved_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        application_name="movierec-movies",
    )


def catalog_for(settings: Settings, redis_client: redis.Redis) -> CatalogService:
    cache = Cache(
        redis_client,
        prefix=f"{settings.namespace}:movies",
        name="movies",
        ttl=settings.cache_ttl_seconds,
        local_ttl=settings.local_cache_ttl_seconds,
    )
    return CatalogService(settings, cache)


def consumer_for(settings: Settings) -> EventConsumer:
    database = database_for(settings)
    return create_consumer(
        settings, database=database, service=catalog_for(settings, create_redis(settings.redis_url))
    )
