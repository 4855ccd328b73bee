"""While the database is unreachable, requests are refused as unavailable (503 with
Retry-After), so clients know to try again; they never look like a server bug (500)."""

from __future__ import annotations

import uuid

from movierec_ratings.spec import spec
from movierec_testkit import asgi_client, serving


async def test_writes_and_reads_answer_503_with_retry_after_while_the_database_is_down(
    settings, tcp_proxy, token
):
    proxy = tcp_proxy(settings.resolved_database_url, 5432)
    cut_off = settings.model_copy(
        update={"database_url": proxy.url(settings.resolved_database_url)}
    )
    headers = token(user_id=uuid.uuid4())
    async with serving(spec, cut_off) as app, asgi_client(app) as client:
        assert (await client.put("/ratings/1", json={"score": 4}, headers=headers)).status_code in (
            200,
            201,
        )
        proxy.cut()
        responses = [
            await client.put("/ratings/1", json={"score": 3}, headers=headers),  # one SQL call
            await client.delete("/ratings/1", headers=headers),  # a session's statements
            await client.get("/ratings/movies/2/summary"),
        ]
        for response in responses:
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"] == "5"
            assert response.headers["content-type"] == "application/problem+json"
        proxy.restore()
        changed = await client.put("/ratings/1", json={"score": 3}, headers=headers)
        assert changed.status_code == 200, changed.text
