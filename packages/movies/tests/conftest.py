from __future__ import annotations

from contextlib import AsyncExitStack

import pytest
import pytest_asyncio

from movierec_movies.config import Settings
from movierec_movies.spec import spec


@pytest.fixture(scope="session")
def service_spec():
    return spec


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def settings(test_run, signing, shared_data_dir) -> Settings:
    """A database holding the real MovieLens catalog, imported once per test process."""
    settings = await test_run.service_settings(
        spec, jwks=signing["jwks"], import_roots=[shared_data_dir.parent]
    )
    async with spec.runtime(settings) as runtime:
        await runtime.service.import_catalog(
            data_dir=shared_data_dir,
            imdb_file=shared_data_dir.parent / "imdb-top-1000" / "imdb_top_1000.csv",
        )
    return settings


@pytest_asyncio.fixture(loop_scope="session")
async def fresh_catalog(test_run, signing):
    """``await fresh_catalog(name)`` → the catalog service on an empty database."""
    async with AsyncExitStack() as stack:

        async def make(name: str):
            settings = await test_run.service_settings(spec, jwks=signing["jwks"], name=name)
            runtime = await stack.enter_async_context(spec.runtime(settings))
            return runtime.service

        yield make
