"""The ratings HTTP API."""

from __future__ import annotations

from fastapi import FastAPI

from movierec_common.web import create_service_app
from movierec_ratings import __version__
from movierec_ratings.config import Settings, get_settings
from movierec_ratings.rating.endpoints import router
from movierec_ratings.runtime import service_for


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    app = create_service_app(
        settings,
        title="movierec ratings",
        version=__version__,
        prefix="ratings",
        routers=[router],
        description="Each user's scores (0.5–5.0) and every movie's community summary.",
    )
    app.state.ratings = service_for(settings, app.state.redis)
    app.state.caches.append(app.state.ratings.cache)
    return app
