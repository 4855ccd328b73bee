"""`movierec up`'s parts: the supervisor restarts a child that dies and stops them all;
the infrastructure check names the URL that does not answer and how to start it; seeding
creates demo accounts only when asked, under a password issued then."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import cast

from movierec_common.db import connect_database
from movierec_common.settings import CommonSettings
from movierec_testkit import eventually
from movierec_tools import up
from movierec_tools.platform import Service, check_infrastructure, vacuum_analyze
from movierec_tools.supervisor import Supervisor


async def test_a_child_that_dies_is_restarted_and_stop_leaves_none(capsys):
    supervisor = Supervisor(color=False)
    dying = supervisor.add(
        "dying", [sys.executable, "-c", "print('up'); raise SystemExit(3)"], dict(os.environ)
    )
    steady = supervisor.add(
        "steady", [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"],
        dict(os.environ),
    )  # fmt: skip
    await supervisor.start()

    async def restarted() -> bool:
        return dying.restarts >= 1

    await eventually(restarted, timeout=10)
    await supervisor.stop(timeout=5)
    assert steady.proc is not None and steady.proc.returncode is not None
    assert not supervisor.alive()
    out = capsys.readouterr().out
    assert "dying          | exited with 3" in out
    assert "steady         | up" in out


async def test_stop_also_stops_a_child_that_is_being_restarted_at_that_moment():
    supervisor = Supervisor(color=False)
    child = supervisor.add(
        "late", [sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ)
    )
    spawning = asyncio.create_task(supervisor._spawn(child))  # as a restart does
    await asyncio.sleep(0)  # under way
    await supervisor.stop(timeout=5)
    await spawning
    assert not supervisor.alive()


async def test_the_infrastructure_check_says_what_does_not_answer_and_how_to_start_it():
    settings = CommonSettings(
        postgres_url="postgresql://postgres@127.0.0.1:1",
        redis_url="redis://127.0.0.1:1/0",
        amqp_url="amqp://guest:secret@127.0.0.1:1/",
    )
    problems = await asyncio.wait_for(check_infrastructure(settings), 30)
    assert len(problems) == 3
    assert "PostgreSQL does not answer at postgresql://postgres@127.0.0.1:1" in problems[0]
    assert "pg_ctlcluster" in problems[0]
    assert "Redis does not answer at redis://127.0.0.1:1/0" in problems[1]
    assert "RabbitMQ does not answer at amqp://guest:***@127.0.0.1:1/" in problems[2]
    assert "secret" not in " ".join(problems)


async def test_seeding_makes_demo_accounts_only_when_asked_with_a_new_password(monkeypatch):
    """The steps a seeding runs (the commands themselves are tested in their services)."""
    commands: list[tuple[str, list[str], str | None]] = []

    async def run_command(service: str, args: list[str], env: dict[str, str]) -> None:
        commands.append((service, args, env.get("MOVIEREC_DEMO_PASSWORD")))

    async def nothing(*args, **kwargs) -> list[str]:
        return []

    monkeypatch.setattr(up, "run_command", run_command)
    monkeypatch.setattr(up, "barrier", nothing)
    monkeypatch.setattr(up, "unconsumed_queues", nothing)
    source = up.SeedSource(Path("/data/ml"), None)
    settings = CommonSettings()

    catalog = await up.seed(settings, [], {}, source, demo_users=False)
    assert [c[0] for c in commands] == ["movies"] and catalog.demo_password is None

    commands.clear()
    first = await up.seed(settings, [], {}, source, demo_users=True)
    second = await up.seed(settings, [], {}, source, demo_users=True)
    issued = [c for c in commands if c[1][0] == "import-demo-users"]
    assert [c[2] for c in issued] == [first.demo_password, second.demo_password]
    assert first.demo_password != second.demo_password and len(first.demo_password or "") >= 16
    given = await up.seed(
        settings, [], {"MOVIEREC_DEMO_PASSWORD": "chosen"}, source, demo_users=True
    )
    assert given.demo_password == "chosen"


def test_the_banner_shows_the_issued_demo_password_or_says_there_is_none():
    ports = {"auth": 8001}
    seeded = up.Seeded(1.0, "s3cret")
    assert "demo login: user1@demo.movierec.example / s3cret" in up.banner(
        [], ports, seeded, "s3cret"
    )
    assert "no demo accounts" in up.banner([], ports, None, None)


def test_the_banner_says_how_long_each_seeding_step_took():
    seeded = up.Seeded(124.4, None, {"movies": 3.2, "catalog events": 5.0, "training": 21.0})
    text = up.banner([], {"auth": 8001}, seeded, None)
    assert "seeding took 124 s (movies 3 s, catalog events 5 s, training 21 s)" in text


async def test_seeding_vacuums_the_databases_and_one_it_cannot_reach_does_not_stop_it(test_run):
    """The post-import ``VACUUM (ANALYZE)``: statistics and a visibility map for the loaded
    tables (index-only scans); a database it cannot vacuum is named, not fatal."""
    url = await test_run.create_database("vacuumed")
    conn = await connect_database(url, timeout=5)
    try:
        await conn.execute("CREATE TABLE loaded (id int PRIMARY KEY, score real)")
        await conn.execute(
            "INSERT INTO loaded SELECT i, i % 10 FROM generate_series(1, 20000) AS i"
        )
        platform = [
            SimpleNamespace(name="loaded", database_url=url),
            SimpleNamespace(name="gone", database_url="postgresql://postgres@127.0.0.1:1/x"),
        ]
        failed = await vacuum_analyze(cast(list[Service], platform))
        # Both written in the vacuum's own transactions (the statistics views lag).
        row = await conn.fetchrow(
            "SELECT c.relpages, c.relallvisible,"
            " (SELECT count(*) FROM pg_stats WHERE tablename = 'loaded') AS columns"
            " FROM pg_class c WHERE c.relname = 'loaded'"
        )
    finally:
        await conn.close()
    assert list(failed) == ["gone"]
    assert row["relpages"] > 0 and row["relallvisible"] == row["relpages"]
    assert row["columns"] == 2  # ANALYZE's statistics of both columns
