"""The auth HTTP API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from movierec_auth import __version__
from movierec_auth.account.endpoints import router
from movierec_auth.account.service import AccountService
from movierec_auth.config import Settings, get_settings
from movierec_common.web import create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Fail at start, not at the first login, when the signing key is missing.
        _ = app.state.account_service.signer.kid
        yield

    app = create_service_app(
        settings,
        title="movierec auth",
        version=__version__,
        prefix="auth",
        routers=[router],
        lifespan=lifespan,
        description="Registration, login and tokens. Access tokens are EdDSA/RS256 JWTs.",
    )
    app.state.account_service = AccountService(settings, app.state.redis)
    return app
