"""Migrations of every service database, with one Alembic environment for all of them.

A service's history is the kernel's revisions (``migrations/versions`` beside this module:
the kernel tables) followed by the service's own (``movierec_<svc>/migrations``). Each
revision is frozen DDL: it never imports live code, so a fresh database and an upgraded one
are built by the same statements forever. The tables in code are checked against the
migrated database (:func:`schema_drift`), and new revisions are generated from them
(:func:`new_revision`) and reviewed before they are committed.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection

from movierec_common import aio
from movierec_common.db import create_engine, ensure_database, ensure_service_database
from movierec_common.settings import database_url_on, to_plain_url
from movierec_common.tables import kernel_metadata

#: The Alembic environment (env.py, script.py.mako) and the kernel's own revisions.
ENVIRONMENT = Path(__file__).resolve().parent / "migrations"
KERNEL_VERSIONS = ENVIRONMENT / "versions"


def alembic_config(
    database_url: str, versions: Sequence[Path] = (), metadata: Sequence[MetaData] = ()
) -> Config:
    """The Alembic configuration of one database: the kernel's revisions, then the ones in
    the folders ``versions`` (a service's libraries' and its own; none for a database with
    the kernel tables only)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(ENVIRONMENT))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", _joined([KERNEL_VERSIONS, *versions]))
    cfg.attributes["database_url"] = to_plain_url(database_url)
    cfg.attributes["metadata"] = [kernel_metadata, *metadata]
    return cfg


def _joined(paths: list[Path]) -> str:
    # "path_separator = os" splits the option on os.pathsep.
    return os.pathsep.join(str(p) for p in paths)


def _do_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=context.config.attributes.get("metadata"),
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_do_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_env() -> None:
    """The body of the shared ``env.py`` (online mode only)."""
    url = context.config.attributes.get("database_url")
    if not url:
        raise RuntimeError("no database URL: run migrations through `movierec-<svc> migrate`")
    aio.run(_run_async(url))


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """What the schema check and autogenerate compare: everything but Alembic's own table."""
    return not (type_ == "table" and name == "alembic_version")


def upgrade(database_url: str, versions: Sequence[Path] = ()) -> None:
    """Apply every revision (synchronous; from async code use ``asyncio.to_thread``)."""
    command.upgrade(alembic_config(database_url, versions), "heads")


async def create_and_migrate(
    database_url: str, versions: Sequence[Path] = (), *, server_url: str | None = None
) -> None:
    """Create the database if needed and apply every revision.

    When ``database_url`` names another user than ``server_url`` (the administrator's),
    that user is the service's own role: the administrator creates it (or resets its
    password) with the database it owns, and the revisions run as that role, so it owns
    what they create (least privilege: see :func:`ensure_service_database`).
    """
    plain = to_plain_url(database_url)
    parts = urlsplit(plain)
    name = parts.path.lstrip("/")
    admin = urlsplit(to_plain_url(server_url)) if server_url else None
    if server_url and admin and parts.username and parts.username != admin.username:
        role, password = unquote(parts.username), unquote(parts.password or "")
        await ensure_service_database(server_url, name, role, password)
    else:
        await ensure_database(database_url_on(plain, "postgres"), name)
    await asyncio.to_thread(upgrade, plain, versions)


async def schema_drift(database_url: str, metadata: Sequence[MetaData]) -> list[Any]:
    """How a migrated database differs from the tables in code (kernel tables included):
    Alembic's autogenerate diff, empty when the two agree."""
    # One MetaData holding every table (the kernel's and the service's).
    target = MetaData()
    for source in (kernel_metadata, *metadata):
        for table in source.tables.values():
            table.to_metadata(target)

    def compare(connection: Connection) -> list[Any]:
        migration = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        return list(compare_metadata(migration, target))

    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(compare)
    finally:
        await engine.dispose()


def new_revision(
    database_url: str, versions: Sequence[Path], metadata: Sequence[MetaData], message: str
) -> Path | None:
    """Write a revision that brings a database at head to the tables in code (autogenerate,
    to be reviewed) into the last of ``versions`` (the service's own), on top of the newest
    revision there."""
    own_folder = versions[-1]
    cfg = alembic_config(database_url, versions, metadata)
    script = ScriptDirectory.from_config(cfg)
    heads = [script.get_revision(r) for r in script.get_heads()]
    own = [r.revision for r in heads if r is not None and Path(r.path).parent == own_folder]
    head = own[0] if own else "heads"
    written = command.revision(
        cfg, message=message, autogenerate=True, version_path=str(own_folder), head=head
    )
    scripts = written if isinstance(written, list) else [written]
    return Path(scripts[0].path) if scripts and scripts[0] is not None else None
