"""The history HTTP API."""

from __future__ import annotations

from fastapi import FastAPI

from movierec_common.web import create_service_app
from movierec_history import __version__
from movierec_history.config import Settings, get_settings
from movierec_history.runtime import service_for
from movierec_history.watch.endpoints import router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    app = create_service_app(
        settings,
        title="movierec watch history",
        version=__version__,
        prefix="history",
        routers=[router],
        description="What each user watched, and when.",
    )
    app.state.history = service_for(settings, app.state.redis)
    app.state.caches.append(app.state.history.cache)
    return app
