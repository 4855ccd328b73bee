"""Several database servers in one URL (libpq style): connections go to the primary.

The replicated data tier gives the services ``postgres-1:5432,postgres-2:5432`` with
``target_session_attrs=read-write``; whichever server is the primary takes the connection.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from sqlalchemy import text

from movierec_common.db import Database, connect_database
from movierec_common.servers import first_to_answer, resolved, server_urls, servers_to_try

#: An address nobody answers on: connecting to it waits until the timeout (or fails at once
#: where the network is unreachable): either way it must not hold up the next server.
SILENT = "10.255.255.1:5432"
REFUSED = "127.0.0.1:1"


def with_servers(url: str, *servers: str, query: str = "") -> str:
    parts = urlsplit(url)
    userinfo, _, host = parts.netloc.rpartition("@")
    hosts = ",".join(host if s == "local" else s for s in servers)
    return urlunsplit((parts.scheme, f"{userinfo}@{hosts}", parts.path, query, ""))


def test_a_url_is_split_into_one_url_per_server():
    url = "postgresql://u:p%40w@a:5432,b:6432/db?target_session_attrs=read-write"
    assert server_urls(url) == [
        "postgresql://u:p%40w@a:5432/db?target_session_attrs=read-write",
        "postgresql://u:p%40w@b:6432/db?target_session_attrs=read-write",
    ]
    assert server_urls("amqp://u@r1:5672,r2/vh") == ["amqp://u@r1:5672/vh", "amqp://u@r2/vh"]
    assert server_urls("postgresql://h/db") == ["postgresql://h/db"]


async def test_the_first_server_that_accepts_gets_the_connection_and_is_tried_first_next(
    test_run,
):
    url = with_servers(
        await test_run.create_database("servers_order"),
        SILENT,
        REFUSED,
        "local",
        query="target_session_attrs=read-write",
    )
    started = time.monotonic()
    conn = await connect_database(url, timeout=0.5)
    assert await conn.fetchval("SELECT NOT pg_is_in_recovery()")
    await conn.close()
    assert time.monotonic() - started < 3
    # The next connection goes straight to the server that answered.
    started = time.monotonic()
    conn = await connect_database(url, timeout=0.5)
    await conn.close()
    assert time.monotonic() - started < 0.4


async def test_no_server_of_the_wanted_kind_raises_the_last_servers_error(test_run):
    # The local server is a primary: asked for standbys only, both refuse.
    database = await test_run.create_database("servers_none")
    url = with_servers(database, "local", "local", query="target_session_attrs=standby")
    with pytest.raises(asyncpg.exceptions.TargetServerAttributeNotMatched):
        await connect_database(url, timeout=2)


async def test_a_database_on_several_servers_serves_sessions_and_calls(test_run):
    url = with_servers(
        await test_run.create_database("servers_database"),
        REFUSED,
        "local",
        query="target_session_attrs=read-write",
    )
    database = Database(url, pool_size=1, max_overflow=0)
    try:
        async with database.transaction() as session:
            assert (await session.execute(text("SELECT 1"))).scalar() == 1
        row = await database.call("SELECT 2 AS n")
        assert row is not None and row["n"] == 2
        assert await database.ping()
    finally:
        await database.dispose()


class NotThePrimary(Exception):
    """A server that answered but is not the kind asked for (a standby)."""


async def test_a_server_that_stops_answering_is_tried_last_until_it_answers_again():
    """The primary was killed: after one connection waited on it in vain, the next ones go
    to the other server first (the drill's outage had lasted until the lost one returned:
    every connection tried it first). A standby that refuses a read-write session answered:
    it keeps its place."""
    a, b = "127.0.0.2", "127.0.0.3"
    url = f"postgresql://u:p@{a}:5432,{b}:5432/db"
    up = {a: "primary", b: "standby"}
    tried: list[str] = []

    async def open_one(server: str) -> str:
        host = str(urlsplit(server).hostname)
        tried.append(host)
        if up[host] == "gone":
            raise ConnectionRefusedError(host)
        if up[host] == "standby":
            raise NotThePrimary(host)
        return host

    async def connect() -> str:
        tried.clear()
        return await first_to_answer(url, open_one, skip=(OSError, NotThePrimary), timeout=1)

    assert await connect() == a
    up[a] = "gone"  # killed; the standby not promoted yet
    with pytest.raises(NotThePrimary):
        await connect()
    assert tried == [a, b]
    assert [urlsplit(s).hostname for s in servers_to_try(url)] == [b, a]
    up[b] = "primary"  # promoted
    assert await connect() == b and tried == [b]
    up[a], up[b] = "primary", "standby"  # back, and switched over again
    assert await connect() == a and tried == [b, a]
    assert await connect() == a and tried == [a]


async def test_a_name_that_does_not_resolve_costs_its_timeout_and_holds_up_no_other_name():
    started = time.monotonic()
    with pytest.raises((OSError, TimeoutError)):
        await resolved("postgresql://u@gone.invalid:5432/db", 1.0)
    assert time.monotonic() - started < 1.5
    # Meanwhile (the lookup above may still wait on a resolver) other names resolve, and
    # lookups of one name at the same time are one lookup.
    local = await asyncio.gather(
        *(resolved("postgresql://u@localhost:5432/db", 2.0) for _ in range(20))
    )
    assert len(set(local)) == 1
    assert urlsplit(local[0]).hostname in ("127.0.0.1", "::1")
    assert urlsplit(local[0]).port == 5432 and local[0].startswith("postgresql://u@")
    assert (
        await resolved("postgresql://u@10.0.0.1:5432/db", 0.1) == "postgresql://u@10.0.0.1:5432/db"
    )
