from __future__ import annotations

import httpx
import pytest
import pytest_asyncio

import movierec_ratings
from movierec_common.known_movies import add_known_movies
from movierec_common.migrations import locate_migrations
from movierec_ratings.app import create_app
from movierec_ratings.config import Settings

KNOWN_MOVIES = range(1, 201)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def ratings_settings(test_run, signing) -> Settings:
    url = await test_run.create_database(
        "ratings", migrations_dir=locate_migrations(movierec_ratings.__file__)
    )
    return test_run.settings(Settings, url, jwks=signing["jwks"])


@pytest.fixture(scope="session")
def ratings_env(ratings_settings, test_run) -> dict[str, str]:
    return test_run.env(ratings_settings)


@pytest_asyncio.fixture(loop_scope="session")
async def app(ratings_settings):
    application = create_app(ratings_settings)
    async with application.state.db.transaction() as session:
        await add_known_movies(session, {i: f"Movie {i}" for i in KNOWN_MOVIES})
    # Run the lifespan as a server would: it starts the cache invalidation listener.
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture(loop_scope="session")
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ratings") as c:
        yield c
