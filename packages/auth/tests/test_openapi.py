"""Schemathesis over the live service's OpenAPI: no server errors, responses match the schema."""

from __future__ import annotations

import asyncio

import pytest_asyncio
from schemathesis.specs.openapi.checks import positive_data_acceptance

from movierec_common.testkit.openapi import check_openapi
from movierec_common.testkit.processes import ServiceProcess


@pytest_asyncio.fixture(loop_scope="session")
async def live_auth(auth_env):
    process = await ServiceProcess.api("auth", env=auth_env).start()
    yield process
    await process.stop()


async def test_api_conforms_to_its_openapi_schema(live_auth, api):
    user = await api.registered_user()
    counts = await asyncio.to_thread(
        check_openapi,
        f"{live_auth.base_url}/auth/openapi.json",
        live_auth.base_url,
        headers=user["headers"],
        # Registration refuses schema-valid input by rules JSON Schema cannot state: the
        # common-password list and email domains that cannot receive mail (RFC 6761).
        excluded_checks=(positive_data_acceptance,),
    )
    assert "POST /auth/register" in counts
    assert all(n > 0 for n in counts.values()), counts
