"""The workspace: every service builds, has its console script, and migrates a fresh database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from movierec_common.settings import SERVICES

ROOT = Path(__file__).resolve().parents[2]
STANDARD_COMMANDS = ("serve", "worker", "beat", "relay", "migrate")


def _script(service: str) -> str:
    return str(Path(sys.executable).parent / f"movierec-{service}")


@pytest.mark.parametrize("service", SERVICES)
def test_service_has_its_console_script_with_the_standard_commands(service):
    out = subprocess.run(
        [_script(service), "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in STANDARD_COMMANDS:
        assert command in out


@pytest.mark.parametrize("service", SERVICES)
async def test_service_migrates_a_fresh_database(service, test_run):
    url = test_run.database_url(f"ws_{service}")
    test_run.databases.append(test_run.database_name(f"ws_{service}"))
    env = {
        **os.environ,
        f"MOVIEREC_{service.upper()}_DATABASE_URL": url,
        "MOVIEREC_EVENTS_EXCHANGE": test_run.events_exchange,
        "MOVIEREC_NAMESPACE": test_run.namespace,
    }
    test_run.queues.append(f"{test_run.namespace}.{service}.events")
    proc = await asyncio.create_subprocess_exec(
        _script(service),
        "migrate",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    assert proc.returncode == 0, out.decode()
    conn = await asyncpg.connect(url)
    try:
        tables = {r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables")}
    finally:
        await conn.close()
    assert {"outbox", "inbox", "aggregate_version", "tombstone", "alembic_version"} <= tables


def test_no_service_imports_another():
    """The lint rule exists for every service (ruff's banned-api in each package's ruff.toml)."""
    for service in SERVICES:
        config = (ROOT / "packages" / service / "ruff.toml").read_text()
        for other in SERVICES:
            assert (f'"movierec_{other}"' in config) == (other != service)


def test_no_lock_file_or_registry_host_is_tracked():
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert "uv.lock" not in files
    hosts = (
        "py" + "pi.org",
        "files." + "pythonhosted.org",
        "registry." + "npmjs.org",
        "deb." + "debian.org",
    )
    for name in files:
        path = ROOT / name
        if path.is_file() and path.stat().st_size < 2_000_000:
            text = path.read_text(errors="ignore")
            assert not any(h in text for h in hosts), name
