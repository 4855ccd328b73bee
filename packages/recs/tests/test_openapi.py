"""Schemathesis over the live recs API (serving the synthetic world's model)."""

from __future__ import annotations

import asyncio

import pytest_asyncio

from movierec_common.testkit.openapi import check_openapi
from movierec_common.testkit.processes import ServiceProcess


@pytest_asyncio.fixture(loop_scope="session")
async def live(recs_settings, test_run, world):  # world: a model is stored
    process = await ServiceProcess.api("recs", env=test_run.env(recs_settings)).start()
    yield process
    await process.stop()


async def test_api_conforms_to_its_openapi_schema(live, token, world):
    counts = await asyncio.to_thread(
        check_openapi,
        f"{live.base_url}/recommendations/openapi.json",
        live.base_url,
        headers=token(user_id=world["fans"]["Horror"][1]),
        max_examples=20,
    )
    assert "GET /recommendations" in counts and all(n > 0 for n in counts.values())
