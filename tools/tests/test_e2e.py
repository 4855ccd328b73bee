"""End to end: the five services' real processes, started as `movierec up` starts them,
walked through the user journey over HTTP; and kept available through outages.

The platform reaches PostgreSQL and RabbitMQ through TCP proxies this test owns, so the
broker path and the database path can be cut and restored without touching the shared
servers. The demo data is a slice of ml-latest-small (the whole catalog, the ratings of
the first 60 users) read from ../shared/data.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import os
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import pytest_asyncio

from movierec_common.service import service_specs
from movierec_testkit import eventually
from movierec_testkit.platform import Platform, all_roles
from movierec_testkit.proxy import TcpProxy
from movierec_testkit.readme import readme_block, run_sh
from movierec_tools import web
from movierec_tools.journey import Journey, Urls
from movierec_tools.processes import console_script, free_port

# Platforms of real processes run one at a time (same xdist worker): two at once on a
# small machine would starve each other.
pytestmark = pytest.mark.xdist_group("platform")
README = Path(__file__).resolve().parents[2] / "README.md"
SERVICES = tuple(spec.name for spec in service_specs())
DEMO_USERS = 60
ADMIN = ("admin@e2e.movierec.example", "e2e-Admin-passw0rd!")


def slice_of(source, target, users: int) -> int:
    """movies/links/tags as they are, the ratings of the first ``users`` users."""
    for name in ("movies.csv", "links.csv", "tags.csv"):
        (target / name).symlink_to((source / name).resolve())
    rows = 0
    with (source / "ratings.csv").open() as src, (target / "ratings.csv").open("w") as dst:
        reader, writer = csv.reader(src), csv.writer(dst)
        writer.writerow(next(reader))
        for row in reader:
            if int(row[0]) <= users:
                writer.writerow(row)
                rows += 1
    return rows


async def scalar(url: str, sql: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


async def at_least(url: str, sql: str, n: int) -> bool:
    return await scalar(url, sql) >= n


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def proxies(test_run):
    pg = TcpProxy.for_url(test_run.postgres_url, 5432).start()
    amqp = TcpProxy.for_url(test_run.amqp_url, 5672).start()
    yield {"postgres": pg, "amqp": amqp}
    pg.stop()
    amqp.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def platform(test_run, signing, proxies, shared_data_dir, tmp_path_factory):
    data = tmp_path_factory.mktemp("e2e-data")
    ratings = slice_of(shared_data_dir, data, DEMO_USERS)
    platform = Platform(
        test_run,
        "e2e",
        roles=all_roles(),
        jwks=signing["jwks"],
        signing_key=signing["private_path"],
        postgres_url=proxies["postgres"].url(test_run.postgres_url),
        amqp_url=proxies["amqp"].url(test_run.amqp_url),
        env={
            "MOVIEREC_RECS_TRAIN_EVALUATE": "false",
            "MOVIEREC_RECS_REFRESH_SECONDS": "0.5",
            "MOVIEREC_RECS_TRAIN_MIN_INTERVAL_SECONDS": "0",
        },
    )
    await platform.start()
    try:
        await seed(platform, data, ratings)
        yield platform
    finally:
        await platform.stop()


async def seed(platform: Platform, data, ratings: int) -> None:
    """As `movierec seed` does it, with the barriers as direct checks."""
    db = platform.database_url
    await platform.command("movies", "import", "--data", str(data))
    for service, sql in (
        ("history", "SELECT count(*) FROM known_movie"),
        ("ratings", "SELECT count(*) FROM known_movie"),
        ("recs", "SELECT count(*) FROM movie"),
    ):
        await eventually(lambda s=service, q=sql: at_least(db(s), q, 9742), timeout=120)
    await platform.command("auth", "import-demo-users", "--data", str(data))
    await platform.command(
        "auth",
        "create-admin",
        "--email",
        ADMIN[0],
        env={"MOVIEREC_AUTH_ADMIN_PASSWORD": ADMIN[1]},
    )
    await asyncio.gather(
        platform.command("ratings", "import", "--data", str(data)),
        platform.command("history", "import", "--data", str(data)),
    )
    both = "SELECT count(*) FROM interaction WHERE watches > 0 AND score IS NOT NULL"
    await eventually(lambda: at_least(db("recs"), both, ratings), timeout=180)
    await platform.command("recs", "train")


def urls(platform: Platform) -> Urls:
    return Urls(*(platform.url(s) for s in SERVICES))


async def test_the_readme_walkthrough_runs_verbatim(platform, tmp_path):
    env = {**os.environ, **{s.upper(): platform.url(s) for s in SERVICES}}
    code, out = await run_sh(readme_block(README, "walkthrough"), env=env, cwd=tmp_path)
    assert code == 0, out
    lines = out.splitlines()
    cold = json.loads(lines[0])
    assert all("Comedy" in i["genres"] for i in cold["items"])
    assert '"title":"The Godfather"' in lines[1]
    assert lines[2:4] == ["201", "201"]
    after, page2 = json.loads(lines[4]), json.loads(lines[5])
    assert 858 not in {i["movie_id"] for i in after["items"] + page2["items"]}
    assert after["items"] != cold["items"]
    assert lines[6] == "204"


async def test_the_user_journey_end_to_end(platform):
    steps = await Journey(urls(platform), admin=ADMIN, settle=60).run()
    assert [name for name, _ in steps][-1] == "delete the account"


async def test_a_broker_outage_mid_journey_loses_nothing(platform, proxies):
    """With the broker path cut for 30 s the APIs keep answering; every action is
    reflected after it returns."""
    cut_at = 0.0

    async def between(step: str) -> None:
        nonlocal cut_at
        if step == "watch and rate":
            proxies["amqp"].cut()
            cut_at = time.monotonic()
        elif step == "recommendations change":
            # The writes were answered (the outbox holds their events); let the outage last.
            await asyncio.sleep(max(0.0, 30 - (time.monotonic() - cut_at)))
            async with httpx.AsyncClient() as client:
                for service in SERVICES:
                    ready = await client.get(f"{platform.url(service)}/readyz")
                    assert ready.status_code == 200, ready.text  # degraded, never down
            proxies["amqp"].restore()

    try:
        await Journey(urls(platform), settle=60, between=between).run()
    finally:
        proxies["amqp"].restore()


async def test_a_killed_worker_s_task_runs_again(platform, token):
    """acks_late: a task whose worker died while running it is redelivered."""
    recs = platform.database_url("recs")
    conn = await asyncpg.connect(recs)
    try:
        newest = await conn.fetchval("SELECT max(version) FROM model")
    finally:
        await conn.close()
    # Versions are UTC timestamps: later ones sort after.
    trained_since = f"SELECT count(*) FROM model WHERE version > '{newest}'"  # noqa: S608
    worker = platform.process("recs", "worker")
    await worker.kill()
    # The next interaction queues a training, the way the consumer does it (outbox, relay).
    conn = await asyncpg.connect(recs)
    try:
        await conn.execute("UPDATE training_state SET events_since = 1000000, queued_at = NULL")
    finally:
        await conn.close()
    async with httpx.AsyncClient(base_url=platform.url("ratings")) as client:
        rated = await client.put("/ratings/1", json={"score": 4}, headers=token())
        assert rated.status_code == 201, rated.text
    received = "Task movierec_recs.train"
    before = worker.tail(10_000).count(received)
    await platform.restart("recs", "worker")
    await eventually(lambda: _logged(worker, received, before + 1), timeout=60, interval=0.01)
    await worker.kill()  # mid-training: the task is not acknowledged
    assert await scalar(recs, trained_since) == 0
    await platform.restart("recs", "worker")
    await eventually(lambda: _logged(worker, received, before + 2), timeout=60)
    await eventually(lambda: at_least(recs, trained_since, 1), timeout=120)


async def _logged(process, text: str, times: int) -> bool:
    return process.tail(10_000).count(text) >= times


async def answer(client: httpx.AsyncClient, url: str, platform: Platform) -> httpx.Response:
    """``url``'s answer, asked again when it is late (on a loaded machine, a process can be
    starved for seconds); fails with the platform's logs if none comes within a minute."""
    for _ in range(6):
        with contextlib.suppress(httpx.TimeoutException):
            return await client.get(url, timeout=10)
    raise AssertionError(f"no answer from {url} within a minute:\n{platform.logs()}")


async def test_apis_and_consumers_heal_after_the_database_path_returns(platform, proxies, token):
    async with httpx.AsyncClient() as client:
        proxies["postgres"].cut()
        try:
            for service in SERVICES:
                ready = await answer(client, f"{platform.url(service)}/readyz", platform)
                assert ready.status_code == 503, ready.text
                assert (await client.get(f"{platform.url(service)}/healthz")).status_code == 200
            await asyncio.sleep(3)
        finally:
            proxies["postgres"].restore()

        async def all_ready() -> bool:
            for service in SERVICES:
                try:
                    ready = await client.get(f"{platform.url(service)}/readyz", timeout=10)
                except httpx.TimeoutException:
                    return False  # still healing: ask again
                if ready.status_code != 200:
                    return False
            return True

        await eventually(all_ready, timeout=60)
        # Writes work again and their events reach the consumers.
        user = uuid.uuid4()
        headers = token(user_id=user)
        rated = await client.put(
            f"{platform.url('ratings')}/ratings/2", json={"score": 3.5}, headers=headers
        )
        assert rated.status_code == 201, rated.text
        recs = platform.database_url("recs")
        mine = f"SELECT count(*) FROM interaction WHERE user_id = '{user}'"  # noqa: S608
        await eventually(lambda: at_least(recs, mine, 1), timeout=60)


async def _seconds_until_refused(
    client: httpx.AsyncClient, reads: dict[str, str], headers: dict[str, str]
) -> dict[str, float]:
    """Per service, seconds until its read answered 401 to ``headers`` (gives up at 10 s)."""
    started, took = time.monotonic(), {}
    while len(took) < len(reads) and time.monotonic() - started < 10:
        for name, url in reads.items():
            if name not in took and (await client.get(url, headers=headers)).status_code == 401:
                took[name] = round(time.monotonic() - started, 3)
        await asyncio.sleep(0.02)
    return took


async def test_a_logout_ends_the_access_token_on_every_service_within_a_second(platform):
    """auth ends the sessions and emits user.sessions_ended; every service refuses the
    access token issued before, reads included. (On a starved machine one try may be
    slow: the revocation must always come, within a second in one of three tries.)"""
    auth = platform.url("auth")
    reads = {
        "auth": f"{auth}/auth/me",
        "movies": f"{platform.url('movies')}/movies/imports/{uuid.uuid4()}",  # admin only
        "history": f"{platform.url('history')}/history",
        "ratings": f"{platform.url('ratings')}/ratings",
        "recs": f"{platform.url('recs')}/recommendations",
    }
    tries = []
    async with httpx.AsyncClient(timeout=30) as client:
        for _ in range(3):
            login = {"username": ADMIN[0], "password": ADMIN[1]}
            tokens = (await client.post(f"{auth}/auth/login", data=login)).json()
            headers = {"Authorization": f"Bearer {tokens['access_token']}"}
            for url in reads.values():
                assert (await client.get(url, headers=headers)).status_code in (200, 404), url
            logout = {"refresh_token": tokens["refresh_token"]}
            assert (await client.post(f"{auth}/auth/logout", json=logout)).status_code == 204
            took = await _seconds_until_refused(client, reads, headers)
            assert set(took) == set(reads), f"still accepted 10 s after logout: {took}"
            tries.append(took)
            if max(took.values()) < 1.0:
                break
        else:
            raise AssertionError(f"a revocation took a second or more in every try: {tries}")
    print(f"seconds from logout to 401, per service: {tries}")


async def test_the_web_app_in_a_browser(platform):
    """The web app on one origin in front of this platform, driven in Debian's Chromium by
    Playwright (packages/web/e2e): the visitor's and the operator's journeys, an axe-core
    scan of every page, the time to the first "For you" row. Screenshots are saved in
    packages/web/screenshots."""
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not await asyncio.to_thread(Path(chromium).is_file):
        message = f"no Chromium at {chromium}: `apt-get install chromium` (README: The web app)"
        if os.environ.get("MOVIEREC_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    async with web_origin(platform) as url:
        env = {
            **os.environ,
            "MOVIEREC_WEB_URL": url,
            "MOVIEREC_E2E_ADMIN_EMAIL": ADMIN[0],
            "MOVIEREC_E2E_ADMIN_PASSWORD": ADMIN[1],
            "CHROMIUM_PATH": chromium,
        }
        playwright = await asyncio.create_subprocess_exec(
            str(web.WEB_DIR / "node_modules" / ".bin" / "playwright"),
            "test",
            cwd=web.WEB_DIR,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(playwright.communicate(), 900)
        print(out.decode())  # the timing line and the screenshots' names, with -s
        assert playwright.returncode == 0, out.decode()[-8000:]


@contextlib.asynccontextmanager
async def web_origin(platform: Platform) -> AsyncIterator[str]:
    """`movierec web` in front of the platform (the app built if it is not): its URL."""
    dist = await asyncio.to_thread(web.ensure_built)
    port = free_port()
    argv = [console_script("movierec"), "web", "--port", str(port), "--dist", str(dist)]
    for spec in service_specs():
        argv += ["--upstream", f"{spec.prefix}={platform.url(spec.name)}"]
    origin = await asyncio.create_subprocess_exec(*argv)
    url = f"http://127.0.0.1:{port}"
    try:

        async def answers() -> bool:
            async with httpx.AsyncClient() as client:
                with contextlib.suppress(httpx.HTTPError):
                    return (await client.get(f"{url}/healthz")).status_code == 200
            return False

        await eventually(answers, timeout=30, interval=0.2)
        yield url
    finally:
        origin.terminate()
        await origin.wait()


async def test_simulated_visitors_run_an_experiment_of_hybrid_against_popular(
    platform, shared_data_dir
):
    """`movierec simulate`, small: visitors sign up, rate, see recommendations, click their
    held-out favourites, watch and rate them; the experiment credits it all per variant."""
    async with web_origin(platform) as url:
        command = [
            console_script("movierec"), "simulate", "--base-url", url,
            "--data", str(shared_data_dir), "--users", "16", "--act-on", "15",
            "--sessions", "2", "--seconds", "240", "--concurrency", "4", "--json",
        ]  # fmt: skip
        env = {
            **os.environ,
            "MOVIEREC_ADMIN_EMAIL": ADMIN[0],
            "MOVIEREC_ADMIN_PASSWORD": ADMIN[1],
        }
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await asyncio.wait_for(process.communicate(), 400)
    assert process.returncode == 0, err.decode()[-4000:]
    results = json.loads(out)
    print(
        json.dumps(results["simulation"]), [(v["name"], v["metrics"]) for v in results["variants"]]
    )
    assert results["simulation"]["errors"] == []
    assert results["status"] == "stopped"
    variants = {v["name"]: v for v in results["variants"]}
    assert set(variants) == {"popular", "hybrid"}
    assert sum(v["users"] for v in variants.values()) == 16
    # Ten a page; a page shown again unchanged (the same recommendation) counts once.
    assert 16 * 10 <= sum(v["impressions"] for v in variants.values()) <= 16 * 2 * 10
    assert all(v["users"] > 0 and v["impressions"] > 0 for v in variants.values())
    # What a variant shows is clicked, watched and rated, credited to it. (Which arm clicks
    # more is not asserted: 16 visitors split at random between two arms is within noise;
    # the CI run of aa4a3f0 saw popular 0.091 against hybrid 0.067. README gives the
    # 100-visitor run on all of ml-latest-small where the verdict is reached.)
    assert sum(v["clicks"] for v in variants.values()) > 0
    for v in variants.values():
        assert v["watches"] == v["clicks"] and v["ratings"] == v["clicks"], v
        ctr = v["metrics"]["click_through_rate"]
        if v["users"] > 1:  # (an interval needs two users)
            assert ctr["low"] <= ctr["value"] <= ctr["high"]
        assert ctr["value"] == round(v["clicks"] / v["impressions"], 6)
    assert results["verdict"]["method"] == "mSPRT"
