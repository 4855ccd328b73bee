from __future__ import annotations

import pytest
import pytest_asyncio

from movierec_ratings.config import Settings
from movierec_ratings.spec import spec
from movierec_userdata.known_movies import add_known_movies

KNOWN_MOVIES = range(1, 201)


@pytest.fixture(scope="session")
def service_spec():
    return spec


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def settings(test_run, signing) -> Settings:
    settings = await test_run.service_settings(spec, jwks=signing["jwks"])
    async with spec.runtime(settings) as runtime, runtime.database.transaction() as session:
        await add_known_movies(session, {i: f"Movie {i}" for i in KNOWN_MOVIES})
    return settings
