"""pytest plugin: fixtures every package's tests share (see movierec_testkit).

A service package's conftest defines ``service_spec`` (its spec); ``settings`` (a migrated
database of the run), ``service_env`` (the same settings for a child process), ``app``
(the service's app, lifespan running), ``client`` (HTTP to it) and ``live`` (its API as a
real process) then come from here, and a conftest overrides the ones it needs otherwise.
The database of a user-data service (one with the ``known_movie`` table) starts with the
``known_movies`` fixture's movies known, as if the catalog's events had arrived.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import pytest_asyncio
from fastapi import FastAPI

from movierec_common.keys import generate_keypair, load_private_key
from movierec_common.service import ServiceSpec
from movierec_common.settings import ServiceSettings
from movierec_testkit import asgi_client, serving
from movierec_testkit.proxy import TcpProxy
from movierec_tools.processes import ServiceProcess
from movierec_tools.scratch import ScratchRun
from movierec_userdata.known_movies import add_known_movies
from movierec_userdata.tables import known_movie


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def test_run() -> AsyncIterator[ScratchRun]:
    """Names for this test process's databases, Redis keys and AMQP objects; cleaned up at exit."""
    run = ScratchRun()
    yield run
    await run.cleanup()


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """../shared/data/ml-latest-small beside the checkout, read in place (never copied)."""
    for base in (Path.cwd(), *Path(__file__).resolve().parents):
        candidate = base.parent / "shared" / "data" / "ml-latest-small"
        if (candidate / "movies.csv").is_file():
            return candidate
    raise FileNotFoundError("../shared/data/ml-latest-small not found beside the checkout")


@pytest.fixture(scope="session")
def signing(tmp_path_factory) -> dict:
    """A signing key and its JWKS file, as auth would have them, for this test process."""
    keys = tmp_path_factory.mktemp("keys")
    jwk = generate_keypair(keys / "signing.pem", keys / "jwks.json")
    return {
        "key": load_private_key(keys / "signing.pem"),
        "kid": jwk["kid"],
        "jwks": keys / "jwks.json",
        "private_path": keys / "signing.pem",
    }


@pytest.fixture(scope="session")
def token(signing) -> Callable[..., dict[str, str]]:
    """``token(role="user", user_id=None)`` → an Authorization header with a valid token."""

    def make(role: str = "user", user_id: uuid.UUID | None = None) -> dict[str, str]:
        now = int(time.time())
        claims = {
            "sub": str(user_id or uuid.uuid4()),
            "iss": "movierec-auth",
            "aud": "movierec",
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "typ": "access",
            "role": role,
        }
        encoded = jwt.encode(
            claims, signing["key"], algorithm="EdDSA", headers={"kid": signing["kid"]}
        )
        return {"Authorization": f"Bearer {encoded}"}

    return make


@pytest.fixture
def tcp_proxy() -> Iterator[Callable[[str, int], TcpProxy]]:
    """Factory: ``tcp_proxy(url, default_port)`` → a started :class:`TcpProxy` to that server."""
    proxies: list[TcpProxy] = []

    def make(url: str, default_port: int) -> TcpProxy:
        proxy = TcpProxy.for_url(url, default_port).start()
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.stop()


@pytest.fixture(scope="session")
def known_movies() -> dict[int, str]:
    """The movies a user-data service's test database knows: 1–200, titled "Movie <id>"."""
    return {i: f"Movie {i}" for i in range(1, 201)}


@pytest.fixture(scope="session")
def service_databases() -> dict[str, ServiceSettings]:
    """The settings of each service's database made in this test process, by service."""
    return {}


# Function-scoped over a session-wide store: a session-scoped fixture here would be made
# once for the first package's `service_spec` and then handed to every other package.
@pytest_asyncio.fixture(loop_scope="session")
async def settings(
    test_run: ScratchRun,
    signing: dict[str, Any],
    service_spec: ServiceSpec[Any, Any],
    known_movies: dict[int, str],
    service_databases: dict[str, ServiceSettings],
) -> ServiceSettings:
    """The service's settings on a migrated database of this run (made once per process)."""
    if service_spec.name not in service_databases:
        made = await test_run.service_settings(service_spec, jwks=signing["jwks"])
        tables = {t for metadata in service_spec.tables for t in metadata.sorted_tables}
        if known_movie in tables:
            async with service_spec.runtime(made) as runtime, runtime.database.transaction() as s:
                await add_known_movies(s, known_movies)
        service_databases[service_spec.name] = made
    return service_databases[service_spec.name]


@pytest.fixture
def service_env(test_run: ScratchRun, settings: ServiceSettings) -> dict[str, str]:
    """The environment that gives a child process (``movierec-<svc> …``) the same settings."""
    return test_run.env(settings)


@pytest_asyncio.fixture(loop_scope="session")
async def app(
    service_spec: ServiceSpec[Any, Any], settings: ServiceSettings
) -> AsyncIterator[FastAPI]:
    async with serving(service_spec, settings) as application:
        yield application


@pytest_asyncio.fixture(loop_scope="session")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as http:
        yield http


@pytest_asyncio.fixture(loop_scope="session")
async def live(
    service_spec: ServiceSpec[Any, Any], service_env: dict[str, str]
) -> AsyncIterator[ServiceProcess]:
    """The service's API as a real process on a free port, with the test's settings."""
    process = await ServiceProcess.api(service_spec.name, env=service_env).start()
    yield process
    await process.stop()
