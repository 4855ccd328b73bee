"""The auth HTTP API."""

from __future__ import annotations

from fastapi import FastAPI

from movierec_auth import __version__
from movierec_auth.config import get_settings
from movierec_common.web import create_service_app


def create_app() -> FastAPI:
    return create_service_app(
        get_settings(),
        title="movierec auth",
        version=__version__,
        prefix="auth",
        routers=[],
    )
