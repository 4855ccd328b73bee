"""The Celery app of the recs service."""

from __future__ import annotations

from movierec_common.celery_app import create_celery
from movierec_recs.config import get_settings

celery_app = create_celery(get_settings(), include=[])
