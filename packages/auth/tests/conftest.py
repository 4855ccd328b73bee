from __future__ import annotations

import os
import uuid

import httpx
import pytest
import pytest_asyncio

import movierec_auth
from movierec_auth.app import create_app
from movierec_auth.config import Settings
from movierec_common.keys import generate_keypair
from movierec_common.migrations import locate_migrations
from movierec_common.testkit.resources import TestRun

MIGRATIONS = locate_migrations(movierec_auth.__file__)
PASSWORD = "correct horse battery"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def auth_settings(test_run: TestRun, tmp_path_factory) -> Settings:
    keys = tmp_path_factory.mktemp("keys")
    generate_keypair(keys / "signing.pem", keys / "jwks.json")
    url = await test_run.create_database("auth", migrations_dir=MIGRATIONS)
    return Settings(
        database_url=url,
        postgres_url=test_run.postgres_url,
        redis_url=test_run.redis_url,
        amqp_url=test_run.amqp_url,
        events_exchange=test_run.events_exchange,
        namespace=test_run.namespace,
        signing_key=keys / "signing.pem",
        jwt_public_keys=keys / "jwks.json",
        log_json=False,
    )


@pytest.fixture(scope="session")
def auth_env(auth_settings) -> dict[str, str]:
    """The environment that makes a child process use the test's settings."""
    settings = auth_settings
    return {
        **os.environ,
        "MOVIEREC_AUTH_DATABASE_URL": str(settings.database_url),
        "MOVIEREC_POSTGRES_URL": settings.postgres_url,
        "MOVIEREC_REDIS_URL": settings.redis_url,
        "MOVIEREC_AMQP_URL": settings.amqp_url,
        "MOVIEREC_EVENTS_EXCHANGE": settings.events_exchange,
        "MOVIEREC_NAMESPACE": settings.namespace,
        "MOVIEREC_AUTH_SIGNING_KEY": str(settings.signing_key),
        "MOVIEREC_JWT_PUBLIC_KEYS": str(settings.jwt_public_keys),
        "MOVIEREC_LOG_JSON": "false",
    }


@pytest_asyncio.fixture(loop_scope="session")
async def app(auth_settings):
    application = create_app(auth_settings)
    yield application
    await application.state.db.dispose()
    await application.state.redis.aclose()


@pytest_asyncio.fixture(loop_scope="session")
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://auth") as c:
        yield c


def new_email() -> str:
    return f"User.{uuid.uuid4().hex[:12]}@Example.com"


class AuthApi:
    """Test helper speaking the auth API (fixtures, because conftest is not importable)."""

    password = PASSWORD

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    @staticmethod
    def new_email() -> str:
        return new_email()

    async def register(self, **overrides) -> httpx.Response:
        body = {
            "email": new_email(),
            "password": PASSWORD,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "favorite_genres": ["Sci-Fi", "drama"],
        }
        body.update(overrides)
        return await self.client.post("/auth/register", json=body)

    async def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        return await self.client.post("/auth/login", data={"username": email, "password": password})

    async def registered_user(self) -> dict:
        """Register and log in; returns the user with its tokens and auth headers."""
        response = await self.register()
        assert response.status_code == 201, response.text
        user = response.json()
        tokens = (await self.login(user["email"])).json()
        return {**user, **tokens, "headers": {"Authorization": f"Bearer {tokens['access_token']}"}}


@pytest.fixture
def api(client) -> AuthApi:
    return AuthApi(client)


@pytest.fixture
def api_for():
    """``api_for(client)``: an AuthApi on another client (e.g. an app behind a proxy)."""
    return AuthApi
