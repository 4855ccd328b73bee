"""Celery tasks of the recs service: training, the backlog report."""

from __future__ import annotations

import asyncio

from movierec_common.maintenance import report_backlog
from movierec_recs import training
from movierec_recs.config import get_settings
from movierec_recs.readmodel.handlers import TRAIN_TASK
from movierec_recs.worker import celery_app


@celery_app.task(name=TRAIN_TASK)
def train() -> str | None:
    """Fit and store a new model version; skipped while another training runs or when the
    newest model is younger than ``train_min_interval_seconds``."""
    settings = get_settings()
    try:
        return asyncio.run(
            training.train(settings, min_interval=settings.train_min_interval_seconds)
        )
    except training.NothingToTrainError as exc:
        # Not a failure to retry: there is simply nothing to learn from yet.
        training.log.info("training_skipped", reason=str(exc))
        return None


@celery_app.task(name="movierec_recs.report_backlog")
def report() -> dict:
    return asyncio.run(report_backlog(get_settings(), consumes=True))
