"""The real processes: an import started over HTTP runs on a Celery worker; the OpenAPI holds."""

from __future__ import annotations

import asyncio

import httpx

from movierec_testkit import eventually
from movierec_testkit.openapi import check_openapi
from movierec_tools.processes import ServiceProcess


async def test_import_started_over_http_runs_on_the_worker(
    live, service_env, token, shared_data_dir
):
    helpers = [
        await ServiceProcess.command("movies", "relay", env=service_env).start(),
        await ServiceProcess.command("movies", "worker", env=service_env).start(),
    ]
    try:
        async with httpx.AsyncClient(base_url=live.base_url, timeout=10) as client:
            started = await client.post(
                "/movies/imports", json={"data_dir": str(shared_data_dir)}, headers=token("admin")
            )
            assert started.status_code == 202, started.text
            job_url = started.headers["location"]
            job: dict = {}

            async def finished() -> bool:
                nonlocal job
                job = (await client.get(job_url, headers=token("admin"))).json()
                return job["status"] in ("succeeded", "failed")

            await eventually(finished, timeout=120, interval=0.5)
            assert job["status"] == "succeeded", job
            assert job["report"]["unchanged"] == 9742
            assert job["report"]["enriched"] >= 650
    finally:
        for helper in helpers:
            await helper.stop()


async def test_api_conforms_to_its_openapi_schema(live, token):
    counts = await asyncio.to_thread(
        check_openapi,
        f"{live.base_url}/movies/openapi.json",
        live.base_url,
        headers=token(),
        max_examples=20,
    )
    assert "GET /movies" in counts and all(n > 0 for n in counts.values())
