"""The Celery app of the recs service, with its beat schedule (tasks in tasks.py)."""

from __future__ import annotations

from movierec_common.celery_app import create_celery
from movierec_recs.config import get_settings
from movierec_recs.readmodel.handlers import TRAIN_TASK

settings = get_settings()
celery_app = create_celery(settings, include=["movierec_recs.tasks"])
celery_app.conf.beat_schedule = {
    "train": {"task": TRAIN_TASK, "schedule": settings.train_interval_seconds},
    "report-backlog": {
        "task": "movierec_recs.report_backlog",
        "schedule": settings.report_interval_seconds,
    },
}
