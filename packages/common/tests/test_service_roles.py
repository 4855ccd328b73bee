"""Least privilege in PostgreSQL: each service logs in as its own role, which owns its
database and everything in it, is no superuser, and cannot reach another service's data."""

from __future__ import annotations

import secrets
from urllib.parse import quote

import asyncpg
import pytest

from movierec_common.db import drop_database
from movierec_common.migrate import create_and_migrate
from movierec_common.settings import database_url_on


def _as(role: str, password: str, url: str) -> str:
    """``url`` with ``role``:``password`` as its user."""
    scheme, rest = url.split("://", 1)
    host = rest.split("@", 1)[-1]
    return f"{scheme}://{role}:{quote(password, safe='')}@{host}"


async def _provisioned(test_run, name: str) -> dict[str, str]:
    name = test_run.database_name(name)
    role, password = name, "p'w " + secrets.token_urlsafe(8)  # a quote in it, on purpose
    url = database_url_on(_as(role, password, test_run.postgres_url), name)
    await create_and_migrate(url, server_url=test_run.postgres_url)
    return {"name": name, "role": role, "password": password, "url": url}


@pytest.fixture
async def service_role(test_run):
    """A database migrated by ``create_and_migrate`` under a role of its own (and another
    service's, likewise)."""
    mine, other = await _provisioned(test_run, "roles"), await _provisioned(test_run, "roles2")
    yield {**mine, "other": other["name"]}
    admin = await asyncpg.connect(database_url_on(test_run.postgres_url, "postgres"))
    try:
        for made in (mine, other):
            await drop_database(test_run.postgres_url, made["name"])
            await admin.execute(f'DROP ROLE IF EXISTS "{made["role"]}"')
    finally:
        await admin.close()


async def test_a_service_role_owns_its_database_and_can_do_nothing_more(service_role, test_run):
    role = service_role["role"]
    conn = await asyncpg.connect(service_role["url"])
    try:
        attrs = await conn.fetchrow(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls"
            " FROM pg_roles WHERE rolname = current_user"
        )
        assert not any(attrs.values())
        owners = await conn.fetch(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
        )
        assert [r[0] for r in owners] == [role]  # outbox, inbox, … and alembic_version
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("COPY (SELECT 1) TO PROGRAM 'true'")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CREATE ROLE intruder SUPERUSER")
    finally:
        await conn.close()
    # Another service's database refuses the role's connections.
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await asyncpg.connect(database_url_on(service_role["url"], service_role["other"]))


async def test_migrating_again_hands_over_objects_and_resets_the_password(service_role, test_run):
    """A database first migrated by the administrator (before it had a role) is given to
    the role on the next migrate; the role's password follows the secret."""
    admin = await asyncpg.connect(database_url_on(test_run.postgres_url, service_role["name"]))
    try:
        await admin.execute("CREATE TABLE made_by_admin (id int GENERATED ALWAYS AS IDENTITY)")
        await admin.execute("CREATE FUNCTION admin_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'")
    finally:
        await admin.close()
    rotated = secrets.token_urlsafe(12)
    url = database_url_on(
        _as(service_role["role"], rotated, test_run.postgres_url), service_role["name"]
    )
    await create_and_migrate(url, server_url=test_run.postgres_url)
    conn = await asyncpg.connect(url)
    try:
        owner = "SELECT tableowner FROM pg_tables WHERE tablename = 'made_by_admin'"
        assert await conn.fetchval(owner) == service_role["role"]
        fn = "SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'admin_fn'"
        assert await conn.fetchval(fn) == service_role["role"]
        await conn.execute("DROP TABLE made_by_admin")  # an owner's right
    finally:
        await conn.close()
    admin = await asyncpg.connect(database_url_on(test_run.postgres_url, "postgres"))
    try:
        stored = "SELECT rolpassword FROM pg_authid WHERE rolname = $1"
        verifier = await admin.fetchval(stored, service_role["role"])
        await create_and_migrate(service_role["url"], server_url=test_run.postgres_url)
        assert await admin.fetchval(stored, service_role["role"]) != verifier
    finally:
        await admin.close()
