"""Schemathesis over the live history API."""

from __future__ import annotations

import asyncio
import uuid

from schemathesis.specs.openapi.checks import positive_data_acceptance

from movierec_testkit.openapi import check_openapi


async def test_api_conforms_to_its_openapi_schema(live, token):
    counts = await asyncio.to_thread(
        check_openapi,
        f"{live.base_url}/history/openapi.json",
        live.base_url,
        headers=token(user_id=uuid.uuid4()),
        max_examples=20,
        # watched_at must lie between 1870 and now: a window JSON Schema cannot state.
        excluded_checks=(positive_data_acceptance,),
    )
    assert "POST /history" in counts and all(n > 0 for n in counts.values())
