"""README walkthroughs run verbatim against real processes (README must stay true)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import asyncpg
import pytest_asyncio

from movierec_common.amqp import service_queue_name
from movierec_common.demo import demo_user_id
from movierec_common.keys import generate_keypair
from movierec_common.migrate import create_and_migrate
from movierec_common.service import service_spec
from movierec_testkit import consumer_attached
from movierec_testkit import readme as readme_kit
from movierec_testkit.readme import run_sh
from movierec_tools.bench_movies import run_command
from movierec_tools.bench_recs import load_read_models
from movierec_tools.processes import ServiceProcess, console_script

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_block(name: str) -> str:
    return readme_kit.readme_block(README, name)


@pytest_asyncio.fixture(loop_scope="session")
async def auth_service(test_run, tmp_path):
    generate_keypair(tmp_path / "signing.pem", tmp_path / "jwks.json")
    url = test_run.database_url("readme_auth")
    test_run.databases.append(test_run.database_name("readme_auth"))
    await create_and_migrate(url, service_spec("auth").version_folders)
    env = {
        **os.environ,
        "MOVIEREC_AUTH_DATABASE_URL": url,
        "MOVIEREC_EVENTS_EXCHANGE": test_run.events_exchange,
        "MOVIEREC_NAMESPACE": test_run.namespace,
        "MOVIEREC_AUTH_SIGNING_KEY": str(tmp_path / "signing.pem"),
        "MOVIEREC_JWT_PUBLIC_KEYS": str(tmp_path / "jwks.json"),
    }
    process = await ServiceProcess.api("auth", env=env).start()
    yield process
    await process.stop()


async def test_readme_auth_walkthrough_runs_verbatim(auth_service, tmp_path):
    env = {**os.environ, "AUTH": auth_service.base_url}
    code, out = await run_sh(readme_block("auth"), env=env, cwd=tmp_path)
    assert code == 0, out
    assert '"first_name":"Ada"' in out
    assert out.strip().endswith("204")


@pytest_asyncio.fixture(loop_scope="session")
async def movies_service(test_run, shared_data_dir):
    url = test_run.database_url("readme_movies")
    test_run.databases.append(test_run.database_name("readme_movies"))
    env = {
        **os.environ,
        "MOVIEREC_MOVIES_DATABASE_URL": url,
        "MOVIEREC_EVENTS_EXCHANGE": test_run.events_exchange,
        "MOVIEREC_NAMESPACE": test_run.namespace,
    }
    for args in (["migrate"], ["import", "--data", str(shared_data_dir)]):
        proc = await asyncio.create_subprocess_exec(
            console_script("movierec-movies"),
            *args,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        assert await proc.wait() == 0
    process = await ServiceProcess.api("movies", env=env).start()
    yield process
    await process.stop()


async def test_readme_movies_examples_run_verbatim(movies_service, tmp_path):
    env = {**os.environ, "MOVIES": movies_service.base_url}
    code, out = await run_sh(readme_block("movies"), env=env, cwd=tmp_path)
    assert code == 0, out
    assert out.count('"title":"The Godfather"') >= 3  # q, typo q, and the record itself
    assert '"Comedy"' in out


@pytest_asyncio.fixture(loop_scope="session")
async def userdata_services(test_run, signing):
    processes = []
    for service in ("history", "ratings"):
        url = test_run.database_url(f"readme_{service}")
        test_run.databases.append(test_run.database_name(f"readme_{service}"))
        env = {
            **os.environ,
            f"MOVIEREC_{service.upper()}_DATABASE_URL": url,
            "MOVIEREC_EVENTS_EXCHANGE": test_run.events_exchange,
            "MOVIEREC_NAMESPACE": test_run.namespace,
            "MOVIEREC_JWT_PUBLIC_KEYS": str(signing["jwks"]),
        }
        proc = await asyncio.create_subprocess_exec(
            console_script(f"movierec-{service}"),
            "migrate",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        assert await proc.wait() == 0
        conn = await asyncpg.connect(url)
        await conn.execute(
            "INSERT INTO known_movie (movie_id, title) VALUES"
            " (858, 'The Godfather'), (1221, 'The Godfather: Part II')"
        )
        await conn.close()
        processes.append(await ServiceProcess.api(service, env=env).start())
        if service == "ratings":  # the summary is the ratings consumer's (README starts both)
            for command in ("relay", "consume"):
                processes.append(await ServiceProcess.command(service, command, env=env).start())
            queue = service_queue_name(test_run.namespace, service, "events")
            await consumer_attached(test_run.amqp_url, queue)
    yield processes
    for process in processes:
        await process.stop()


async def test_readme_history_and_ratings_walkthrough_runs_verbatim(
    userdata_services, token, tmp_path
):
    history, ratings = userdata_services[:2]
    env = {
        **os.environ,
        "HISTORY": history.base_url,
        "RATINGS": ratings.base_url,
        "ACCESS": token()["Authorization"].split()[1],
        "OTHER": token()["Authorization"].split()[1],
    }
    code, out = await run_sh(readme_block("userdata"), env=env, cwd=tmp_path)
    assert code == 0, out
    codes = [line for line in out.splitlines() if line.strip().isdigit()]
    assert codes == ["204", "204", "201", "200", "404", "204"]
    assert '"average":5.0' in out
    assert '{"items":[],"total":0' in out  # the other user's view


@pytest_asyncio.fixture(loop_scope="session")
async def recs_service(test_run, signing, shared_data_dir):
    url = test_run.database_url("readme_recs")
    test_run.databases.append(test_run.database_name("readme_recs"))
    env = {
        **os.environ,
        "MOVIEREC_RECS_DATABASE_URL": url,
        "MOVIEREC_EVENTS_EXCHANGE": test_run.events_exchange,
        "MOVIEREC_NAMESPACE": test_run.namespace,
        "MOVIEREC_JWT_PUBLIC_KEYS": str(signing["jwks"]),
        "MOVIEREC_RECS_TRAIN_EVALUATE": "false",
    }
    await run_command("recs", ["migrate"], env)
    await load_read_models(url, shared_data_dir)
    await run_command("recs", ["train"], env)
    process = await ServiceProcess.api("recs", env=env).start()
    yield process
    await process.stop()


async def test_readme_recs_walkthrough_runs_verbatim(recs_service, token, tmp_path):
    env = {
        **os.environ,
        "RECS": recs_service.base_url,
        "ACCESS": token(user_id=demo_user_id(1))["Authorization"].split()[1],
    }
    code, out = await run_sh(readme_block("recs"), env=env, cwd=tmp_path)
    assert code == 0, out
    lines = out.splitlines()
    model, mine, history, popular, similar, invalid = (json.loads(line) for line in lines[-6:])
    assert model["sizes"]["items"] == 9742 and model["sizes"]["users"] == 610
    assert len(mine["items"]) == 3 and mine["items"][0]["reason"]["text"]
    assert history["offset"] == 3
    assert all("Comedy" in item["genres"] for item in history["items"] + popular["items"])
    assert popular["items"][0]["reason"]["text"].startswith("Popular in Comedy lately")
    assert similar["items"] and all(i["movie_id"] != 858 for i in similar["items"])
    assert invalid["status"] == 422
