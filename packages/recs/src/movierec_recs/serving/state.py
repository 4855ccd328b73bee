"""What one API replica serves from: the newest model over the live catalog.

A background loop (every ``refresh_seconds``) loads a newer model version when training
stored one (hot reload; a model that fails to load is skipped and the old one keeps
serving) and applies catalog changes (new movies are scored from their features, deleted
ones are never recommended). Readers take :attr:`ServingState.snapshot`, which is swapped
whole, never changed in place.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from movierec_common.db import Database
from movierec_common.errors import ServiceUnavailableError
from movierec_common.logging import get_logger
from movierec_recs.models.bundle import ModelBundle, from_bytes, with_catalog
from movierec_recs.online import repository as online
from movierec_recs.online.experiments import Experiment
from movierec_recs.readmodel import repository
from movierec_recs.readmodel.repository import Movie
from movierec_recs.training import catalog_dataset

log = get_logger(__name__)


class NoModelError(ServiceUnavailableError):
    def __init__(self) -> None:
        super().__init__(
            "No recommendation model has been trained yet: run `movierec-recs train` or wait"
            " for the first scheduled training.",
            headers={"Retry-After": "30"},
        )


@dataclass(frozen=True)
class Snapshot:
    version: str
    manifest: dict[str, Any]
    bundle: ModelBundle
    #: Items that may be recommended (in the catalog, not deleted).
    available: np.ndarray
    catalog_revision: int


@dataclass
class _Trained:
    version: str
    manifest: dict[str, Any]
    bundle: ModelBundle


class ServingState:
    def __init__(self, database: Database, *, refresh_seconds: float) -> None:
        self.database = database
        self.refresh_seconds = refresh_seconds
        self.snapshot: Snapshot | None = None
        self._trained: _Trained | None = None
        self._failed_version: str | None = None
        self._movies: dict[int, Movie] = {}
        self._revision = 0
        #: The running experiment (read on every refresh: starting or stopping one takes
        #: effect on every replica within ``refresh_seconds``).
        self.experiment: Experiment | None = None
        #: The key recommendation ids are signed with (online.tokens).
        self.signing_key: bytes | None = None

    def require(self) -> Snapshot:
        snapshot = self.snapshot
        if snapshot is None:
            raise NoModelError()
        return snapshot

    async def refresh(self) -> bool:
        """Pick up a newer model and catalog changes; True if the snapshot changed."""
        async with self.database.transaction() as session:
            if self.signing_key is None:
                self.signing_key = await online.signing_key_of(session)
            running = await online.running_experiment(session)
            self.experiment = None if running is None else running.running()
            version = await repository.newest_model_version(session)
            changes = await repository.movies_since(session, self._revision)
            row = None
            current = self._trained.version if self._trained else None
            if version is not None and version not in (current, self._failed_version):
                row = await repository.load_model(session, version)
        for movie in changes:
            self._revision = max(self._revision, movie.revision)
            if movie.deleted:
                self._movies.pop(movie.movie_id, None)
            else:
                self._movies[movie.movie_id] = movie
        if row is not None:
            try:
                bundle, _ = await asyncio.to_thread(from_bytes, row.artifact)
            except Exception:
                self._failed_version = row.version
                log.exception("model_load_failed", version=row.version)
            else:
                self._trained = _Trained(row.version, dict(row.manifest), bundle)
                log.info("model_loaded", version=row.version)
        if self._trained is None or (row is None and not changes and self.snapshot is not None):
            return False
        trained = self._trained
        movies = list(self._movies.values())
        # Both steps walk the whole catalog: off the event loop, which keeps serving.
        bundle, available = await asyncio.to_thread(
            lambda: with_catalog(trained.bundle, catalog_dataset(movies))
        )
        self.snapshot = Snapshot(
            version=trained.version,
            manifest=trained.manifest,
            bundle=bundle,
            available=available,
            catalog_revision=self._revision,
        )
        return True

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[None]:
        """Serve at once if a model exists, and keep looking for newer ones meanwhile."""
        with contextlib.suppress(Exception):
            await self.refresh()
        stop = asyncio.Event()
        refresher = asyncio.create_task(self.run(stop))
        try:
            yield
        finally:
            stop.set()
            await refresher

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.refresh()
            except Exception as exc:  # noqa: BLE001 - keep serving what we have
                log.warning("serving_refresh_failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.refresh_seconds)
