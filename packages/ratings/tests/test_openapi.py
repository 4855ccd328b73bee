"""Schemathesis over the live ratings API."""

from __future__ import annotations

import asyncio
import uuid

import pytest_asyncio

from movierec_common.testkit.openapi import check_openapi
from movierec_common.testkit.processes import ServiceProcess


@pytest_asyncio.fixture(loop_scope="session")
async def live(ratings_env, app):  # app: the known movies are in place
    process = await ServiceProcess.api("ratings", env=ratings_env).start()
    yield process
    await process.stop()


async def test_api_conforms_to_its_openapi_schema(live, token):
    counts = await asyncio.to_thread(
        check_openapi,
        f"{live.base_url}/ratings/openapi.json",
        live.base_url,
        headers=token(user_id=uuid.uuid4()),
        max_examples=20,
    )
    assert "PUT /ratings/{movie_id}" in counts and all(n > 0 for n in counts.values())
