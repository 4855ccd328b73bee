"""Building the recs service's collaborators from settings (app, CLI, worker, consumer)."""

from __future__ import annotations

from movierec_common.cache import Cache, create_redis
from movierec_common.celery_app import create_celery
from movierec_common.consumer import EventConsumer
from movierec_common.db import Database
from movierec_recs.config import Settings
from movierec_recs.readmodel.handlers import create_consumer


def consumer_for(settings: Settings) -> EventConsumer:
    return create_consumer(
        settings,
        database=Database.for_service(settings),
        cache=Cache.for_service(create_redis(settings.redis_url), settings),
        celery_app=create_celery(settings),
    )
