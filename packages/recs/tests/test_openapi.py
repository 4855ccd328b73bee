"""Schemathesis over the live recs API (serving the synthetic world's model)."""

from __future__ import annotations

import asyncio

from movierec_testkit.openapi import check_openapi


async def test_api_conforms_to_its_openapi_schema(live, token, world):
    counts = await asyncio.to_thread(
        check_openapi,
        f"{live.base_url}/recommendations/openapi.json",
        live.base_url,
        headers=token(user_id=world["fans"]["Horror"][1]),
        max_examples=20,
    )
    assert "GET /recommendations" in counts and all(n > 0 for n in counts.values())
