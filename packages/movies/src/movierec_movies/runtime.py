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
    return Database.for_service(settings)


def catalog_for(settings: Settings, redis_client: redis.Redis) -> CatalogService:
    return CatalogService(settings, Cache.for_service(redis_client, settings))


def consumer_for(settings: Settings) -> EventConsumer:
    database = database_for(settings)
    return create_consumer(
        settings, database=database, service=catalog_for(settings, create_redis(settings.redis_url))
    )
