"""`movierec-recs`: serve | worker | beat | relay | migrate."""

from __future__ import annotations

from movierec_common.cli import service_cli
from movierec_common.migrations import locate_migrations
from movierec_recs import __version__
from movierec_recs.config import get_settings
from movierec_recs.worker import celery_app

cli = service_cli(
    service="recs",
    version=__version__,
    settings_factory=get_settings,
    app_factory="movierec_recs.app:create_app",
    celery_app=celery_app,
    migrations_dir=locate_migrations(__file__),
)


def main() -> None:
    cli()
