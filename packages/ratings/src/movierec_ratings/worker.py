"""The Celery app of the ratings service, with its beat schedule (tasks in tasks.py)."""

from __future__ import annotations

from movierec_common.celery_app import create_celery
from movierec_common.userdata import backlog_beat_schedule
from movierec_ratings.config import get_settings

settings = get_settings()
celery_app = create_celery(settings, include=["movierec_ratings.tasks"])
celery_app.conf.beat_schedule = backlog_beat_schedule(settings, settings.report_interval_seconds)
