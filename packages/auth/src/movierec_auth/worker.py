"""The Celery app of the auth service, with its beat schedule."""

from __future__ import annotations

from movierec_auth.config import get_settings
from movierec_common.celery_app import create_celery

settings = get_settings()
celery_app = create_celery(settings, include=["movierec_auth.tasks"])
celery_app.conf.beat_schedule = {
    "purge-expired-refresh-tokens": {
        "task": "movierec_auth.purge_expired_refresh_tokens",
        "schedule": float(settings.purge_interval_seconds),
    },
}
