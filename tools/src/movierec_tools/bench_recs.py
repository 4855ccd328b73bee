"""Bench cases of the recs service over ml-latest-small: personal recommendations from the
cache (warm) and scored on a cache miss (cold), popular and similar movies.

The read models are loaded straight into the recs database from the MovieLens files (the
path through the events is what the ``consumer`` case measures), then a model is trained
with ``movierec-recs train`` as an operator would.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from pathlib import Path

import asyncpg

from movierec_common.demo import demo_user_id, read_ratings, resolve_data_dir
from movierec_common.settings import CommonSettings
from movierec_tools.bench_core import Bench, Result, bench_run, wait_http
from movierec_tools.bench_movies import _ratio, cache_counts, run_command, service_env
from movierec_tools.bench_userdata import sign_tokens
from movierec_tools.processes import ServiceProcess

USERS = 200
POPULAR_MOVIES = [1, 50, 110, 260, 296, 318, 356, 480, 527, 589, 593, 858, 1196, 2571, 2959]
_YEAR = re.compile(r"\((\d{4})\)\s*$")


async def load_read_models(url: str, data: Path) -> list[int]:
    """movies.csv and ratings.csv (as ratings and watches) into the recs tables; returns the
    MovieLens ids of the users."""
    movies = []
    with (data / "movies.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            year = _YEAR.search(row["title"])
            genres = [g for g in row["genres"].split("|") if g != "(no genres listed)"]
            movies.append(
                (int(row["movieId"]), row["title"], int(year.group(1)) if year else None, genres)
            )
    rows = list(read_ratings(data / "ratings.csv", []))
    ratings = [(r.user_id, r.movie_id, r.score, r.rated_at, 1, r.rated_at) for r in rows]
    users = sorted({r.movielens_user_id for r in rows})
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table(
            "movie", records=movies, columns=["movie_id", "title", "year", "genres"]
        )
        await conn.copy_records_to_table(
            "interaction",
            records=ratings,
            columns=["user_id", "movie_id", "score", "rated_at", "watches", "watched_at"],
        )
    finally:
        await conn.close()
    return users


async def recs_cases(bench: Bench, settings: CommonSettings) -> list[Result]:
    run = bench_run(settings)
    data = resolve_data_dir(None, os.environ.get("MOVIEREC_DATA"))
    url = run.database_url("bench_recs")
    run.databases.append(run.database_name("bench_recs"))
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as keys_dir:
        env = {
            **service_env(run, "recs", url),
            "MOVIEREC_RECS_TRAIN_EVALUATE": "false",
            "MOVIEREC_JWT_PUBLIC_KEYS": str(Path(keys_dir) / "jwks.json"),
        }
        try:
            await run_command("recs", ["migrate"], env)
            users = await load_read_models(url, data)
            await run_command("recs", ["train"], env)
            tokens = sign_tokens(Path(keys_dir), [demo_user_id(u) for u in users[:USERS]])
            api = await ServiceProcess.api("recs", env=env).start()
            try:
                await wait_http(f"{api.base_url}/recommendations/model")
                personal = [
                    {"path": "/recommendations", "headers": {"Authorization": f"Bearer {t}"}}
                    for t in tokens
                ]
                # Warm: every user's page is in the cache before the measurement.
                await bench.http_case("recs: warm-up", api.base_url, personal, connections=4)
                bench.results.pop()
                hits0, misses0 = await cache_counts(api.base_url, "recs")
                result = await bench.http_case(
                    f"recs: GET /recommendations (warm, {len(tokens)} users)",
                    api.base_url,
                    personal,
                )
                hits1, misses1 = await cache_counts(api.base_url, "recs")
                result.note = f"cache hit ratio {_ratio(hits1 - hits0, misses1 - misses0)}"
                results.append(result)
                # Cold: every request is a page never asked for (its own offset and limit),
                # so each is a cache miss scored over the whole catalog.
                cold = [
                    {
                        "path": f"/recommendations?limit={limit}&offset={offset}",
                        "headers": {"Authorization": f"Bearer {token}"},
                    }
                    for offset in range(0, 50)
                    for limit in (10, 11)
                    for token in tokens
                ]
                result = await bench.http_case(
                    "recs: GET /recommendations (cache miss, 4 conns)",
                    api.base_url,
                    cold,
                    connections=4,
                )
                hits2, misses2 = await cache_counts(api.base_url, "recs")
                result.note = f"cache hit ratio {_ratio(hits2 - hits1, misses2 - misses1)}"
                results.append(result)
                results.append(
                    await bench.http_case(
                        "recs: GET /recommendations/popular?genre=… (cached)",
                        api.base_url,
                        [
                            {"path": f"/recommendations/popular?genre={g}"}
                            for g in ("Comedy", "Drama", "Action", "Horror", "Sci-Fi")
                        ],
                    )
                )
                results.append(
                    await bench.http_case(
                        "recs: GET /recommendations/similar/{id} (cached)",
                        api.base_url,
                        [{"path": f"/recommendations/similar/{m}"} for m in POPULAR_MOVIES],
                    )
                )
                return results
            finally:
                await api.stop()
        finally:
            await run.cleanup()
