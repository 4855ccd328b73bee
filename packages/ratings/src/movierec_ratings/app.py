"""The ratings HTTP API."""

from __future__ import annotations

from fastapi import FastAPI

from movierec_common.web import create_service_app
from movierec_ratings import __version__
from movierec_ratings.config import get_settings


def create_app() -> FastAPI:
    return create_service_app(
        get_settings(),
        title="movierec ratings",
        version=__version__,
        prefix="ratings",
        routers=[],
    )
