"""The movies HTTP API."""

from __future__ import annotations

from fastapi import FastAPI

from movierec_common.celery_app import create_celery
from movierec_common.web import create_service_app
from movierec_movies import __version__
from movierec_movies.catalog.endpoints import router
from movierec_movies.config import Settings, get_settings
from movierec_movies.runtime import catalog_for


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    app = create_service_app(
        settings,
        title="movierec movies",
        version=__version__,
        prefix="movies",
        routers=[router],
        description="The catalog: search, filters, sorting; admin writes and imports.",
    )
    app.state.catalog = catalog_for(settings, app.state.redis)
    app.state.caches.append(app.state.catalog.cache)
    app.state.celery = create_celery(settings)
    return app
