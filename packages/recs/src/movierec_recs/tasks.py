"""Celery tasks of the recs service: training."""

from __future__ import annotations

import asyncio

from celery import Celery

from movierec_common.service import ServiceSpec
from movierec_recs import training
from movierec_recs.config import Settings
from movierec_recs.readmodel.handlers import TRAIN_TASK
from movierec_recs.serving.recommender import Recommender


def register_train_task(
    celery: Celery, spec: ServiceSpec[Settings, Recommender], settings: Settings
) -> None:
    @celery.task(name=spec.task_name(TRAIN_TASK), shared=False)
    def train() -> str | None:
        """Fit and store a new model version; skipped while another training runs or when
        the newest model is younger than ``train_min_interval_seconds``."""
        try:
            return asyncio.run(
                training.train(settings, min_interval=settings.train_min_interval_seconds)
            )
        except training.NothingToTrainError as exc:
            # Not a failure to retry: there is simply nothing to learn from yet.
            training.log.info("training_skipped", reason=str(exc))
            return None


def beat(settings: Settings) -> dict[str, tuple[str, float]]:
    return {"train": (TRAIN_TASK, settings.train_interval_seconds)}
