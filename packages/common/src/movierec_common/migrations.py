"""Alembic glue shared by every service: one env.py body and a programmatic upgrade.

A service's ``migrations/env.py`` is two lines::

    from movierec_common.migrations import run_env
    run_env()
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from movierec_common.db import ensure_database
from movierec_common.settings import database_url_on, to_asyncpg_url, to_plain_url


def locate_migrations(package_file: str) -> Path:
    """The ``migrations/`` folder of a service: inside the installed package (wheel) or at
    the root of the service's source tree (workspace checkout)."""
    package_dir = Path(package_file).resolve().parent
    for candidate in (package_dir / "migrations", package_dir.parents[1] / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError(f"no migrations folder for {package_dir.name}")


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["database_url"] = database_url
    return cfg


def _do_run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=None, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_async_engine(to_asyncpg_url(url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_do_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_env() -> None:
    """The body of every service's ``migrations/env.py`` (online mode only)."""
    url = context.config.attributes.get("database_url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise RuntimeError("no database URL: run migrations through `movierec-<svc> migrate`")
    asyncio.run(_run_async(url))


def upgrade(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    """Run ``alembic upgrade`` (synchronous; from async code use ``asyncio.to_thread``)."""
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


async def create_and_migrate(migrations_dir: Path, database_url: str) -> None:
    """Create the database if needed and migrate it to head."""
    plain = to_plain_url(database_url)
    name = plain.rsplit("/", 1)[-1].split("?", 1)[0]
    await ensure_database(database_url_on(plain, "postgres"), name)
    await asyncio.to_thread(upgrade, migrations_dir, plain)
