"""Schemathesis over the live ratings API."""

from __future__ import annotations

import asyncio
import uuid

from movierec_testkit.openapi import check_openapi


async def test_api_conforms_to_its_openapi_schema(live, token):
    counts = await asyncio.to_thread(
        check_openapi,
        f"{live.base_url}/ratings/openapi.json",
        live.base_url,
        headers=token(user_id=uuid.uuid4()),
        max_examples=20,
    )
    assert "PUT /ratings/{movie_id}" in counts and all(n > 0 for n in counts.values())
