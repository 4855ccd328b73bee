"""pytest plugin: fixtures every package's tests share (see movierec_common.testkit)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import jwt
import pytest
import pytest_asyncio

from movierec_common.keys import generate_keypair, load_private_key
from movierec_common.testkit.proxy import TcpProxy
from movierec_common.testkit.resources import TestRun


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def test_run() -> AsyncIterator[TestRun]:
    """Names for this test process's databases, Redis keys and AMQP objects; cleaned up at exit."""
    run = TestRun()
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
