"""The recs HTTP API."""

from __future__ import annotations

from fastapi import FastAPI

from movierec_common.web import create_service_app
from movierec_recs import __version__
from movierec_recs.config import get_settings


def create_app() -> FastAPI:
    return create_service_app(
        get_settings(),
        title="movierec recommendations",
        version=__version__,
        prefix="recommendations",
        routers=[],
    )
