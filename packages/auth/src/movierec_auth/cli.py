"""`movierec-auth`: serve | worker | beat | relay | migrate."""

from __future__ import annotations

from movierec_auth import __version__
from movierec_auth.config import get_settings
from movierec_auth.worker import celery_app
from movierec_common.cli import service_cli
from movierec_common.migrations import locate_migrations

cli = service_cli(
    service="auth",
    version=__version__,
    settings_factory=get_settings,
    app_factory="movierec_auth.app:create_app",
    celery_app=celery_app,
    migrations_dir=locate_migrations(__file__),
)


def main() -> None:
    cli()
