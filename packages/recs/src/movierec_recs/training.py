"""Training from the read models: fit the library's bundle, store it as a new model version.

Runs in the Celery worker (``movierec_recs.train``, on the beat schedule and after
``train_after_events`` new interactions) and from ``movierec-recs train``. One
training at a time (a PostgreSQL advisory lock); a failed training stores nothing, so the
previous model keeps serving.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.db import oneoff_transaction
from movierec_common.logging import get_logger
from movierec_recs.config import Settings
from movierec_recs.models.bundle import ModelBundle, evaluate_scorer, forget_users, to_bytes
from movierec_recs.models.data import Dataset, Interactions
from movierec_recs.models.evaluation import holdout_split
from movierec_recs.readmodel import repository
from movierec_recs.readmodel.repository import Movie, StoredModel

log = get_logger(__name__)

#: pg_try_advisory_xact_lock key: "recs" as an integer.
TRAINING_LOCK = 0x72656373
ALGORITHM = "hybrid: EASE (ratings) + LightFM WARP (item features) + content + novelty"


class NothingToTrainError(RuntimeError):
    pass


def catalog_dataset(movies: list[Movie]) -> Dataset:
    """A Dataset of the catalog (titles, years, genres, tags, people, descriptions), no
    users."""
    movies = sorted(movies, key=lambda m: m.movie_id)
    item_ids = np.asarray([m.movie_id for m in movies], np.int64)
    return Dataset(
        item_ids=item_ids,
        titles=[m.title for m in movies],
        years=np.asarray([m.year or 0 for m in movies], np.int16),
        genres=[list(m.genres) for m in movies],
        tags=[[t.lower() for t in m.tags] for m in movies],
        user_ids=np.zeros(0, dtype=str),
        interactions=Interactions.empty(),
        item_index={int(m): i for i, m in enumerate(item_ids)},
        people=[
            [f"director:{d}" for d in m.directors] + [f"actor:{a}" for a in m.actors]
            for m in movies
        ],
        descriptions=[m.description or "" for m in movies],
    )


async def load_dataset(session: AsyncSession, implicit_score: float) -> Dataset:
    """The live catalog and every interaction with it (a watch alone counts as
    ``implicit_score``)."""
    movies = [m for m in await repository.movies_since(session, 0) if not m.deleted]
    dataset = catalog_dataset(movies)
    user_index: dict[str, int] = {}
    users, items, scores, times = [], [], [], []
    for row in await repository.all_interactions(session):
        item = dataset.item_index.get(row.movie_id)
        if item is None:
            continue
        users.append(user_index.setdefault(str(row.user_id), len(user_index)))
        items.append(item)
        scores.append(implicit_score if row.score is None else row.score)
        times.append(int(row.at.timestamp()) if row.at else 0)
    dataset.user_ids = np.asarray(list(user_index), dtype=str)
    dataset.user_index = user_index
    dataset.interactions = Interactions(
        np.asarray(users, np.int32),
        np.asarray(items, np.int32),
        np.asarray(scores, np.float32),
        np.asarray(times, np.int64),
    )
    return dataset


def new_version(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%fZ")


def offline_metrics(dataset: Dataset, seed: int) -> dict[str, float]:
    """The hybrid's metrics@10 on a seeded 80/20 split of ``dataset`` (fitted on the 80 %)."""
    split = holdout_split(dataset.interactions, seed=seed)
    held = ModelBundle.fit(dataset, split.train, seed=seed)
    metrics = evaluate_scorer(held.strategy("hybrid"), dataset, split.train, split.test, 10)
    return {f"{name}@10" if name != "users" else name: v for name, v in metrics.items()}


def fit_and_measure(
    dataset: Dataset, *, evaluate: bool, seed: int = 42, progress: Callable[[str], None]
) -> tuple[ModelBundle, dict[str, float]]:
    """The bundle fitted on every interaction and, if ``evaluate``, its offline metrics.

    The evaluation (a second fit) runs in a process of its own alongside the final fit where
    it may (not in a daemonic process such as a Celery worker's child, which may have
    none): 33 → 27 s on the seeded ml-latest-small platform, two cores."""

    def fit_all(step: str) -> ModelBundle:
        progress(step)
        return ModelBundle.fit(dataset, dataset.interactions, seed=seed, progress=progress)

    if not evaluate:
        return fit_all("fitting on all interactions"), {}
    if multiprocessing.current_process().daemon:
        progress("offline metrics (80 % split)")
        metrics = offline_metrics(dataset, seed)
        return fit_all("fitting on all interactions"), metrics
    context = multiprocessing.get_context("spawn")  # never fork a process with BLAS threads
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        measuring = pool.submit(offline_metrics, dataset, seed)
        bundle = fit_all("fitting on all interactions (offline metrics alongside)")
        progress("offline metrics (80 % split)")
        return bundle, measuring.result()


async def train(
    settings: Settings,
    *,
    progress: Callable[[str], None] | None = None,
    wait: bool = False,
    min_interval: float = 0.0,
) -> str | None:
    """Fit and store a new model version. None when skipped: another training holds the
    lock (unless ``wait``), or the newest model is younger than ``min_interval`` seconds."""
    note = progress or (lambda step: log.info("training_step", step=step))
    started = time.perf_counter()
    async with oneoff_transaction(settings.resolved_database_url) as session:
        lock = func.pg_advisory_xact_lock if wait else func.pg_try_advisory_xact_lock
        locked = await session.execute(select(lock(TRAINING_LOCK)))
        if not wait and not locked.scalar_one():
            log.info("training_skipped", reason="another training is running")
            return None
        # Its own short transaction: the consumer updates that row with every batch and must
        # not wait for this training.
        async with oneoff_transaction(settings.resolved_database_url) as state:
            await repository.training_started(state)
            age = await repository.newest_model_age(state)
        if age is not None and age < min_interval:
            log.info("training_skipped", reason=f"the newest model is only {age:.0f} s old")
            return None
        note("loading interactions")
        loaded_at = datetime.now(UTC) - timedelta(seconds=1)
        dataset = await load_dataset(session, settings.implicit_score)
        if not dataset.n_items or not len(dataset.interactions):
            raise NothingToTrainError(
                f"nothing to train on: {dataset.n_items} movies, "
                f"{len(dataset.interactions)} interactions"
            )
        bundle, metrics = fit_and_measure(dataset, evaluate=settings.train_evaluate, progress=note)
        trained_at = datetime.now(UTC)
        version = new_version(trained_at)
        manifest: dict[str, Any] = {
            "version": version,
            "trained_at": trained_at.isoformat(),
            "algorithm": ALGORITHM,
            "metrics": metrics,
        }
        artifact = to_bytes(bundle, meta=manifest)
        manifest.update(
            fit_seconds=round(bundle.fit_seconds, 2),
            training_seconds=round(time.perf_counter() - started, 2),
            weights=bundle.weights,
            sizes={
                "items": int(dataset.n_items),
                "users": int(dataset.n_users),
                "interactions": len(dataset.interactions),
                "features": len(bundle.space.names) if bundle.space else 0,
                "artifact_bytes": len(artifact),
            },
        )
        # Users deleted while this training ran are in its data, not in the models the
        # forget task rewrote: leave them out of this one too.
        gone = await repository.users_deleted_since(session, loaded_at)
        if gone:
            artifact = forget_users(artifact, gone) or artifact
        note("saving")
        stored = StoredModel(
            version=version,
            trained_at=trained_at,
            algorithm=ALGORITHM,
            manifest=manifest,
            artifact=artifact,
        )
        await repository.save_model(session, stored, keep=settings.keep_models)
    log.info("model_trained", version=version, **manifest["sizes"], metrics=metrics)
    return version


async def forget_in_models(settings: Settings, users: set[str]) -> list[str]:
    """Rewrite every stored model that learned something of ``users`` (deleted accounts)
    without it; the versions rewritten. Serving processes keep the copy they loaded until
    the next version replaces it."""
    rewritten: list[str] = []
    async with oneoff_transaction(settings.resolved_database_url) as session:
        versions = await repository.model_versions(session)
    for version in versions:
        async with oneoff_transaction(settings.resolved_database_url) as session:
            stored = await repository.load_model(session, version)
            if stored is None:
                continue
            scrubbed = await asyncio.to_thread(forget_users, stored.artifact, users)
            if scrubbed is not None:
                await repository.replace_artifact(session, version, scrubbed)
                rewritten.append(version)
    log.info("users_forgotten_in_models", users=len(users), versions=rewritten)
    return rewritten
