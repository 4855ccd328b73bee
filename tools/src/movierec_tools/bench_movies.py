"""Bench cases of the movies service: cached record reads and searches."""

from __future__ import annotations

import os
import re

import httpx

from movierec_common.demo import resolve_data_dir
from movierec_common.settings import CommonSettings
from movierec_tools.bench_core import Bench, Result, bench_run, wait_http
from movierec_tools.processes import ServiceProcess, console_script
from movierec_tools.scratch import ScratchRun

SEARCHES = [
    "godfather", "godfater", "star wars", "matrix", "pulp fiction", "toy story", "alien",
    "heat", "batman", "love", "war", "tom hanks", "spielberg", "comedy 1995", "jurassic",
    "lord of the rings", "harry potter", "terminator", "titanic", "fight club",
]  # fmt: skip


async def run_command(service: str, args: list[str], env: dict[str, str]) -> None:
    """Run ``movierec-<service> ARGS`` to completion; raise with its output on failure."""
    process = ServiceProcess(
        f"{service}-{args[0]}", [console_script(f"movierec-{service}"), *args], env=env
    )
    await process.start()
    assert process.proc is not None
    if await process.proc.wait() != 0:
        raise RuntimeError(f"movierec-{service} {' '.join(args)} failed:\n{process.tail()}")


def service_env(run: ScratchRun, service: str, url: str) -> dict[str, str]:
    return {
        **os.environ,
        f"MOVIEREC_{service.upper()}_DATABASE_URL": url,
        "MOVIEREC_EVENTS_EXCHANGE": run.events_exchange,
        "MOVIEREC_NAMESPACE": run.namespace,
        "MOVIEREC_LOG_LEVEL": "WARNING",
    }


async def cache_counts(base_url: str, cache: str) -> tuple[float, float]:
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{base_url}/metrics")).text
    counts = {"hit": 0.0, "miss": 0.0}
    for result in counts:
        match = re.search(
            rf'movierec_cache_requests_total\{{cache="{cache}",result="{result}"\}} ([0-9.e+]+)',
            text,
        )
        if match:
            counts[result] = float(match.group(1))
    return counts["hit"], counts["miss"]


async def movies_cases(bench: Bench, settings: CommonSettings) -> list[Result]:
    run = bench_run(settings)
    data = resolve_data_dir(None, os.environ.get("MOVIEREC_DATA"))
    url = run.database_url("bench_movies")
    run.databases.append(run.database_name("bench_movies"))
    env = service_env(run, "movies", url)
    try:
        await run_command("movies", ["migrate"], env)
        await run_command("movies", ["import", "--data", str(data)], env)
        api = await ServiceProcess.api("movies", env=env).start()
        try:
            await wait_http(f"{api.base_url}/readyz")
            ids = [
                1,
                2,
                3,
                5,
                6,
                10,
                32,
                47,
                50,
                110,
                150,
                260,
                296,
                318,
                356,
                480,
                527,
                589,
                593,
                858,
                1196,
                1198,
                1210,
                2571,
                2959,
            ]
            results = []
            hits0, misses0 = await cache_counts(api.base_url, "movies")
            result = await bench.http_case(
                "movies: GET /movies/{id} (cached)",
                api.base_url,
                [{"path": f"/movies/{i}"} for i in ids],
            )
            hits1, misses1 = await cache_counts(api.base_url, "movies")
            result.note = f"cache hit ratio {_ratio(hits1 - hits0, misses1 - misses0)}"
            results.append(result)
            result = await bench.http_case(
                "movies: GET /movies?q=… (20 queries, cached)",
                api.base_url,
                [{"path": f"/movies?q={q.replace(' ', '+')}"} for q in SEARCHES],
            )
            hits2, misses2 = await cache_counts(api.base_url, "movies")
            result.note = f"cache hit ratio {_ratio(hits2 - hits1, misses2 - misses1)}"
            results.append(result)
            return results
        finally:
            await api.stop()
    finally:
        await run.cleanup()


def _ratio(hits: float, misses: float) -> str:
    total = hits + misses
    return f"{hits / total:.3f} ({int(hits)} hits, {int(misses)} misses)" if total else "n/a"
