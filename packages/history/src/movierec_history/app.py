"""The history HTTP API."""

from __future__ import annotations

from fastapi import FastAPI

from movierec_common.web import create_service_app
from movierec_history import __version__
from movierec_history.config import get_settings


def create_app() -> FastAPI:
    return create_service_app(
        get_settings(),
        title="movierec watch history",
        version=__version__,
        prefix="history",
        routers=[],
    )
