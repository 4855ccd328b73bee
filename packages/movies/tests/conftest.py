from __future__ import annotations

import os

import httpx
import pytest
import pytest_asyncio

import movierec_movies
from movierec_common.cache import create_redis
from movierec_common.migrations import locate_migrations
from movierec_common.testkit.resources import TestRun
from movierec_movies.app import create_app
from movierec_movies.catalog.imports import import_catalog
from movierec_movies.config import Settings
from movierec_movies.runtime import catalog_for, database_for

MIGRATIONS = locate_migrations(movierec_movies.__file__)


def make_settings(test_run: TestRun, url: str, signing: dict, **extra) -> Settings:
    return Settings(
        database_url=url,
        postgres_url=test_run.postgres_url,
        redis_url=test_run.redis_url,
        amqp_url=test_run.amqp_url,
        events_exchange=test_run.events_exchange,
        namespace=test_run.namespace,
        jwt_public_keys=signing["jwks"],
        log_json=False,
        **extra,
    )


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def movies_settings(test_run, signing, shared_data_dir) -> Settings:
    """A database holding the real MovieLens catalog, imported once per test process."""
    url = await test_run.create_database("movies", migrations_dir=MIGRATIONS)
    settings = make_settings(test_run, url, signing, import_roots=[shared_data_dir.parent])
    database = database_for(settings)
    redis_client = create_redis(settings.redis_url)
    await import_catalog(
        database,
        catalog_for(settings, redis_client),
        data_dir=shared_data_dir,
        imdb_file=shared_data_dir.parent / "imdb-top-1000" / "imdb_top_1000.csv",
    )
    await database.dispose()
    await redis_client.aclose()
    return settings


@pytest.fixture(scope="session")
def movies_env(movies_settings) -> dict[str, str]:
    s = movies_settings
    return {
        **os.environ,
        "MOVIEREC_MOVIES_DATABASE_URL": str(s.database_url),
        "MOVIEREC_REDIS_URL": s.redis_url,
        "MOVIEREC_AMQP_URL": s.amqp_url,
        "MOVIEREC_EVENTS_EXCHANGE": s.events_exchange,
        "MOVIEREC_NAMESPACE": s.namespace,
        "MOVIEREC_JWT_PUBLIC_KEYS": str(s.jwt_public_keys),
        "MOVIEREC_LOG_JSON": "false",
    }


@pytest_asyncio.fixture(loop_scope="session")
async def app(movies_settings):
    application = create_app(movies_settings)
    # Run the lifespan as a server would: it starts the cache invalidation listener.
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture(loop_scope="session")
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://movies") as c:
        yield c


@pytest_asyncio.fixture(loop_scope="session")
async def fresh_catalog(test_run, signing):
    """``await fresh_catalog(name)`` → (settings, database, service) on an empty catalog."""
    opened = []

    async def make(name: str):
        url = await test_run.create_database(name, migrations_dir=MIGRATIONS)
        settings = make_settings(test_run, url, signing)
        database, redis_client = database_for(settings), create_redis(settings.redis_url)
        opened.append((database, redis_client))
        return settings, database, catalog_for(settings, redis_client)

    yield make
    for database, redis_client in opened:
        await database.dispose()
        await redis_client.aclose()
