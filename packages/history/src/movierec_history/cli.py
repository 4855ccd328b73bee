"""`movierec-history`: serve | worker | beat | relay | migrate."""

from __future__ import annotations

from movierec_common.cli import service_cli
from movierec_common.migrations import locate_migrations
from movierec_history import __version__
from movierec_history.config import get_settings
from movierec_history.worker import celery_app

cli = service_cli(
    service="history",
    version=__version__,
    settings_factory=get_settings,
    app_factory="movierec_history.app:create_app",
    celery_app=celery_app,
    migrations_dir=locate_migrations(__file__),
)


def main() -> None:
    cli()
