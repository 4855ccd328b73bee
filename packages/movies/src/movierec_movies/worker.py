"""The Celery app of the movies service."""

from __future__ import annotations

from movierec_common.celery_app import create_celery
from movierec_movies.config import get_settings

celery_app = create_celery(get_settings(), include=["movierec_movies.tasks"])
