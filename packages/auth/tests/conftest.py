from __future__ import annotations

import uuid

import httpx
import pytest
import pytest_asyncio

from movierec_auth.config import Settings
from movierec_auth.spec import spec
from movierec_tools.scratch import ScratchRun

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def service_spec():
    return spec


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def settings(test_run: ScratchRun, signing) -> Settings:
    return await test_run.service_settings(
        spec, jwks=signing["jwks"], signing_key=signing["private_path"]
    )


@pytest.fixture
def service_env(settings: Settings, test_run: ScratchRun) -> dict[str, str]:
    """The environment that makes a child process use the test's settings."""
    return test_run.env(settings, MOVIEREC_AUTH_SIGNING_KEY=str(settings.signing_key))


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
