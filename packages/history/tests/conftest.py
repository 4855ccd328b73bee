from __future__ import annotations

import httpx
import pytest
import pytest_asyncio

import movierec_history
from movierec_common.known_movies import add_known_movies
from movierec_common.migrations import locate_migrations
from movierec_history.app import create_app
from movierec_history.config import Settings

KNOWN_MOVIES = range(1, 201)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def history_settings(test_run, signing) -> Settings:
    url = await test_run.create_database(
        "history", migrations_dir=locate_migrations(movierec_history.__file__)
    )
    return test_run.settings(Settings, url, jwks=signing["jwks"])


@pytest.fixture(scope="session")
def history_env(history_settings, test_run) -> dict[str, str]:
    return test_run.env(history_settings)


@pytest_asyncio.fixture(loop_scope="session")
async def app(history_settings):
    application = create_app(history_settings)
    async with application.state.db.transaction() as session:
        await add_known_movies(session, {i: f"Movie {i}" for i in KNOWN_MOVIES})
    # Run the lifespan as a server would: it starts the cache invalidation listener.
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture(loop_scope="session")
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://history") as c:
        yield c
