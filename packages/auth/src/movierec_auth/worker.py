"""The Celery app of the auth service."""

from __future__ import annotations

from movierec_auth.config import get_settings
from movierec_common.celery_app import create_celery

celery_app = create_celery(get_settings(), include=[])
