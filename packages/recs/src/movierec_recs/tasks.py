"""Celery tasks of the recs service: training, and forgetting deleted users in the stored
models."""

from __future__ import annotations

from celery import Celery

from movierec_common import aio
from movierec_common.service import ServiceSpec
from movierec_recs import training
from movierec_recs.config import Settings
from movierec_recs.readmodel.handlers import FORGET_TASK, TRAIN_TASK
from movierec_recs.serving.recommender import Recommender


def register_train_task(
    celery: Celery, spec: ServiceSpec[Settings, Recommender], settings: Settings
) -> None:
    @celery.task(name=spec.task_name(TRAIN_TASK), shared=False)
    def train() -> str | None:
        """Fit and store a new model version; skipped while another training runs or when
        the newest model is younger than ``train_min_interval_seconds``."""
        try:
            return aio.run(
                training.train(settings, min_interval=settings.train_min_interval_seconds)
            )
        except training.NothingToTrainError as exc:
            # Not a failure to retry: there is simply nothing to learn from yet.
            training.log.info("training_skipped", reason=str(exc))
            return None


def register_forget_task(
    celery: Celery, spec: ServiceSpec[Settings, Recommender], settings: Settings
) -> None:
    @celery.task(name=spec.task_name(FORGET_TASK), shared=False)
    def forget_user_in_models(user_id: str) -> list[str]:
        """Rewrite the stored models without what they learned of a deleted user."""
        return aio.run(training.forget_in_models(settings, {user_id}))


def beat(settings: Settings) -> dict[str, tuple[str, float]]:
    return {"train": (TRAIN_TASK, settings.train_interval_seconds)}
