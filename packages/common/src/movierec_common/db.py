"""Async database access: engine, sessions that commit once per request, after-commit hooks.

Services never commit: the request's session dependency commits once (or rolls back),
and then runs the callbacks registered with :func:`after_commit` — cache invalidation
and nothing else; anything that must reliably happen after a commit goes through the
outbox instead.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
from sqlalchemy import (
    Column,
    MetaData,
    Row,
    Table,
    bindparam,
    column,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, Insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import TypeEngine

from movierec_common.logging import get_logger
from movierec_common.servers import first_to_answer
from movierec_common.settings import (
    ServiceSettings,
    database_url_on,
    to_plain_url,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

log = get_logger(__name__)

# One naming convention for constraints in every service, so migrations are predictable.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """A MetaData with the project's constraint naming convention."""
    return MetaData(naming_convention=NAMING_CONVENTION)


#: A result row of any shape (repositories turn rows into their own typed records).
AnyRow = Row[*tuple[Any, ...]]
R = TypeVar("R", bound="DataclassInstance")


def required(name: str, type_: Any, *args: Any, **kwargs: Any) -> Column[Any]:
    r"""A NOT NULL column (most columns are; the others are plain ``Column``\ s)."""
    return Column(name, type_, *args, nullable=False, **kwargs)


def as_record(cls: type[R], row: AnyRow) -> R:
    """The dataclass ``cls`` of a row's columns of the same names (others are ignored)."""
    values = row._mapping
    return cls(**{f.name: values[f.name] for f in fields(cls) if f.name in values})


async def insert_missing(session: AsyncSession, table: Table, records: Sequence[R]) -> list[R]:
    """Insert ``records`` (dataclasses named as ``table``'s columns) in one statement,
    skipping those whose key is taken; the ones inserted."""
    if not records:
        return []
    cls = type(records[0])
    columns = {
        f.name: (table.c[f.name].type, [getattr(r, f.name) for r in records]) for f in fields(cls)
    }
    insert = insert_rows(table, unnest(**columns)).on_conflict_do_nothing().returning(table)
    return [as_record(cls, row) for row in await session.execute(insert)]


def insert_rows(table: Table, rows: TableValuedAlias) -> Insert:
    """``INSERT INTO table SELECT * FROM rows`` (rows from :func:`unnest`, named as the
    table's columns), PostgreSQL's insert: add ``on_conflict_…`` and ``returning``."""
    return pg_insert(table).from_select(list(rows.c.keys()), select(rows))


def unnest(**columns: tuple[TypeEngine[Any], Sequence[Any]]) -> TableValuedAlias:
    """Rows built from parallel arrays, one bound parameter each, as a FROM clause:
    ``unnest(id=(Uuid(), ids), score=(Float(), scores))``, its columns as ``.c.id`` …

    A bulk write or lookup is then one prepared statement whatever its size (an ``IN``
    list or a multi-row VALUES would be a new statement for every count).
    """
    arrays = [literal(list(values), ARRAY(type_)) for type_, values in columns.values()]
    names = [column(name, type_) for name, (type_, _) in columns.items()]
    return func.unnest(*arrays).table_valued(*names).render_derived()


def array_rows(**columns: TypeEngine[Any]) -> TableValuedAlias:
    """:func:`unnest` of arrays bound by name: a statement using it is built once (at import)
    and run with ``{"id": [...], "score": [...]}``. Building a statement costs about as much
    as running it; the consumers' bulk statements run for every batch."""
    arrays = [bindparam(name, type_=ARRAY(type_)) for name, type_ in columns.items()]
    names = [column(name, type_) for name, type_ in columns.items()]
    return func.unnest(*arrays).table_valued(*names).render_derived()


#: The channel writers NOTIFY after committing outbox rows and relays LISTEN on.
OUTBOX_CHANNEL = "movierec_outbox"
#: Where a session of :meth:`Database.transaction` names its database (``session.info``).
DATABASE_KEY = "movierec_database"
# A wake-up is a hint (a relay also sweeps): its commit need not wait for the disk.
_WAKE_RELAY = f"BEGIN; SET LOCAL synchronous_commit TO off; NOTIFY {OUTBOX_CHANNEL}; COMMIT"
#: The shortest time between two wake-ups a process sends while it writes continuously
#: (the relay drains everything each time it wakes).
WAKE_GAP_SECONDS = 0.025

AfterCommit = Callable[[], Awaitable[Any]]


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run ``callback`` once the session's current transaction has committed.

    Callbacks are best effort (errors are logged, never raised): use them for cache
    invalidation, never for work that must not be lost.
    """
    session.info.setdefault("after_commit", []).append(callback)


async def run_after_commit(session: AsyncSession) -> None:
    """Run and clear the callbacks registered on ``session``."""
    callbacks: list[AfterCommit] = session.info.pop("after_commit", [])
    for callback in callbacks:
        try:
            await callback()
        except Exception:
            log.warning("after_commit_callback_failed", exc_info=True)


def _used(session: AsyncSession) -> bool:
    return session.in_transaction() or bool(session.new or session.dirty or session.deleted)


async def _discard(session: AsyncSession) -> None:
    if _used(session):
        await session.rollback()
    await _close(session)


async def _close(session: AsyncSession) -> None:
    if session.in_transaction() or session.identity_map:
        await session.close()


async def connect_database(url: str, *, timeout: float = 5.0, **kwargs: Any) -> asyncpg.Connection:
    """``asyncpg.connect`` to the first server of ``url`` that accepts, each one given
    ``timeout`` seconds: with several servers and ``target_session_attrs=read-write``, the
    current primary. The server that answered last time is tried first, one that did not
    answer at all last (see :func:`movierec_common.servers.first_to_answer`).

    asyncpg's own multi-host connect spends one ``timeout`` on all servers together: a
    primary that vanished (its address no longer answers) used it all up, and the new
    primary was never tried.
    """
    return await first_to_answer(
        to_plain_url(url),
        lambda server: asyncpg.connect(server, timeout=timeout, **kwargs),
        timeout=timeout,
        # A standby (the URL asks for the primary), or a server that does not answer.
        skip=(
            OSError,
            TimeoutError,
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
            asyncpg.exceptions.TargetServerAttributeNotMatched,
        ),
    )


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """A SQLAlchemy engine on ``url`` (one server or several, see :func:`connect_database`) whose
    connections :func:`connect_database` opens; ``connect_args`` go to it."""
    connect_args = kwargs.pop("connect_args", {})

    async def creator() -> asyncpg.Connection:
        return await connect_database(url, **connect_args)

    return create_async_engine("postgresql+asyncpg://", async_creator=creator, **kwargs)


class Database:
    """Engine + session factory of one service database."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        max_overflow: int = 10,
        echo: bool = False,
        application_name: str = "movierec",
        pre_ping: bool = True,
    ) -> None:
        self.url = to_plain_url(url)
        self.engine: AsyncEngine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            # A database restart heals without restarting the service: a pooled connection
            # is tested before use (a round trip per transaction). Without it (consumers:
            # a failed batch is retried) the first statement on a dead connection fails and
            # SQLAlchemy then drops every connection the pool held.
            pool_pre_ping=pre_ping,
            pool_recycle=1800,
            echo=echo,
            # An error's message (and so its log line) never carries the statement's
            # parameters: they hold password hashes, emails and names.
            hide_parameters=True,
            connect_args={
                "timeout": 5,
                "command_timeout": 30,
                "server_settings": {"application_name": application_name},
            },
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._pool_size = pool_size
        self._application_name = application_name
        self._pool: asyncpg.Pool | None = None
        self._pool_lock = asyncio.Lock()
        self._waking: asyncio.Task[None] | None = None
        self._wake_again = False

    @classmethod
    def for_service(
        cls, settings: ServiceSettings, *, pool_size: int | None = None, pre_ping: bool = True
    ) -> Database:
        """The service's own database, sized from its settings."""
        return cls(
            settings.resolved_database_url,
            pool_size=pool_size or settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            application_name=f"movierec-{settings.service}",
            pre_ping=pre_ping,
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session that commits when the block exits normally, else rolls back.

        Used by requests (via ``SessionDep``), workers, consumers and CLIs. A session that
        never touched the database costs nothing at the end: no commit, no close round trip
        (a request answered from the cache stays cheap).
        """
        session = self.sessionmaker()
        session.info[DATABASE_KEY] = self
        try:
            yield session
            if _used(session):
                await session.commit()
        except BaseException:
            await _discard(session)
            raise
        await _close(session)
        await run_after_commit(session)

    async def call(self, statement: str, *args: Any) -> asyncpg.Record | None:
        """Run one statement in a transaction of its own (autocommit) and return its first
        row: the write paths that run in the database as one function cost one round trip.

        It uses a small asyncpg pool of its own: no pre-ping, no reset round trip when a
        connection is returned, and asyncpg prepares each statement once per connection.
        A connection that failed is closed by asyncpg and replaced on the next call.
        """
        pool = self._pool or await self._open_pool()
        async with pool.acquire() as conn:
            return await conn.fetchrow(statement, *args)

    async def fetch(self, statement: str, *args: Any) -> list[asyncpg.Record]:
        """Every row of one read-only statement, on the pool of :meth:`call`."""
        pool = self._pool or await self._open_pool()
        async with pool.acquire() as conn:
            return await conn.fetch(statement, *args)

    async def wake_relay(self) -> None:
        """Tell the relay of this database that committed outbox rows wait (call after the
        commit). Returns at once; wake-ups are coalesced: while one is on its way the next
        ones become a single one, sent ``WAKE_GAP_SECONDS`` later. A lost wake-up costs
        latency only: the relay sweeps."""
        if self._waking is not None and not self._waking.done():
            self._wake_again = True
            return
        self._waking = asyncio.get_running_loop().create_task(self._send_wake_ups())

    async def _send_wake_ups(self) -> None:
        while True:
            self._wake_again = False
            try:
                pool = self._pool or await self._open_pool()
                await pool.execute(_WAKE_RELAY)
            except Exception as exc:  # noqa: BLE001 - a hint; the relay's sweep catches up
                log.debug("relay_wake_up_failed", error=repr(exc))
            if not self._wake_again:
                return
            await asyncio.sleep(WAKE_GAP_SECONDS)

    async def _open_pool(self) -> asyncpg.Pool:
        async with self._pool_lock:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self.url,
                    connect=connect_database,
                    min_size=1,
                    max_size=self._pool_size,
                    timeout=5,
                    command_timeout=30,
                    reset=_rollback_if_needed,
                    server_settings={"application_name": self._application_name},
                )
            return self._pool

    async def ping(self, timeout: float = 2.0) -> bool:
        """True when the database answers ``SELECT 1`` within ``timeout`` seconds, all
        included: waiting for a pooled connection, its pre-ping, a reconnect (a readiness
        probe must answer in time, whatever state the pool is in after an outage)."""
        try:
            async with asyncio.timeout(timeout), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure (a timeout too) means "not ready"
            return False
        return True

    async def dispose(self) -> None:
        if self._waking is not None:
            with contextlib.suppress(Exception):
                await self._waking
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
        await self.engine.dispose()


async def _rollback_if_needed(conn: asyncpg.Connection) -> None:
    # Every statement of :meth:`Database.call` is its own transaction; only a call cut off
    # mid-way (a cancelled request) can leave one open.
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


@asynccontextmanager
async def oneoff_transaction(url: str) -> AsyncIterator[AsyncSession]:
    """A transaction on a short-lived engine: for Celery tasks and CLIs (run via aio.run)."""
    database = Database(url, pool_size=1, max_overflow=0)
    try:
        async with database.transaction() as session:
            yield session
    finally:
        await database.dispose()


async def ensure_database(server_url: str, name: str) -> bool:
    """Create database ``name`` on the server unless it exists. True when it was created."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unsafe database name: {name!r}")
    conn = await connect_database(_maintenance_url(server_url), timeout=10)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        # Identifiers cannot be bound as parameters; the name is checked above.
        await conn.execute(f'CREATE DATABASE "{name}"')
        return True
    finally:
        await conn.close()


#: A service's own role: it logs in and owns its database, nothing more.
_SERVICE_ROLE = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
#: Every object of a database's public schema not yet owned by its service role.
_FOREIGN_OBJECTS = """
    SELECT format('ALTER TABLE %I OWNER TO %I', c.relname, $1::text) FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
      AND pg_get_userbyid(c.relowner) <> $1
    UNION ALL
    SELECT format('ALTER SEQUENCE %I OWNER TO %I', c.relname, $1::text) FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'S' AND pg_get_userbyid(c.relowner) <> $1
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'i')
    UNION ALL
    SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, $1::text)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> $1
"""


async def ensure_service_database(server_url: str, name: str, role: str, password: str) -> None:
    """As the server's administrator: the role ``role`` (login, nothing else; its password
    set to ``password``) owning database ``name`` and every object in it, and no other
    role but administrators able to connect to that database."""
    if not name.replace("_", "").isalnum() or not role.replace("_", "").isalnum():
        raise ValueError(f"unsafe database or role name: {name!r}, {role!r}")
    conn = await connect_database(_maintenance_url(server_url), timeout=10)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
        verb = "ALTER ROLE %I WITH" if exists else "CREATE ROLE %I"
        # Utility statements take no parameters: format() quotes the name and password.
        template = f"{verb} {_SERVICE_ROLE} PASSWORD %L"
        statement = await conn.fetchval(
            "SELECT format($1, $2::text, $3::text)", template, role, password
        )
        await conn.execute(statement)
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'ALTER DATABASE "{name}" OWNER TO "{role}"')
        else:
            await conn.execute(f'CREATE DATABASE "{name}" OWNER "{role}"')
        await conn.execute(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC')
        await conn.execute(f'GRANT CONNECT, TEMPORARY ON DATABASE "{name}" TO "{role}"')
    finally:
        await conn.close()
    # A database migrated before it had its own role: hand its objects over.
    conn = await connect_database(database_url_on(to_plain_url(server_url), name), timeout=10)
    try:
        async with conn.transaction():
            for (statement,) in await conn.fetch(_FOREIGN_OBJECTS, role):
                await conn.execute(statement)
            await conn.execute(f'ALTER SCHEMA public OWNER TO "{role}"')
    finally:
        await conn.close()


async def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` (terminating its connections) if it exists."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unsafe database name: {name!r}")
    conn = await connect_database(_maintenance_url(server_url), timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _maintenance_url(server_url: str) -> str:
    return database_url_on(to_plain_url(server_url), "postgres")
