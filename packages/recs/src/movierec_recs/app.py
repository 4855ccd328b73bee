"""The recs HTTP API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from movierec_common.cache import Cache
from movierec_common.web import create_service_app
from movierec_recs import __version__
from movierec_recs.config import Settings, get_settings
from movierec_recs.serving.endpoints import router
from movierec_recs.serving.recommender import Recommender
from movierec_recs.serving.state import ServingState


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state: ServingState = app.state.serving
        # Serve at once if a model exists; keep looking for newer ones in the background.
        with contextlib.suppress(Exception):
            await state.refresh()
        stop = asyncio.Event()
        refresher = asyncio.create_task(state.run(stop))
        try:
            yield
        finally:
            stop.set()
            await refresher

    app = create_service_app(
        settings,
        title="movierec recommendations",
        version=__version__,
        prefix="recommendations",
        routers=[router],
        lifespan=lifespan,
        description="Personal recommendations with reasons, fresh after every watch and rating.",
    )
    app.state.serving = ServingState(app.state.db, refresh_seconds=settings.refresh_seconds)
    cache = Cache.for_service(app.state.redis, settings)
    app.state.caches.append(cache)
    app.state.recommender = Recommender(
        state=app.state.serving,
        cache=cache,
        database=app.state.db,
        implicit_score=settings.implicit_score,
    )
    return app
