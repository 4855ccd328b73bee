"""`movierec-history`: serve | worker | beat | relay | consume | migrate | import."""

from __future__ import annotations

from movierec_common.cli import service_cli
from movierec_common.migrations import locate_migrations
from movierec_common.userdata import demo_import_command
from movierec_history import __version__
from movierec_history.config import get_settings
from movierec_history.runtime import consumer_for, service_for
from movierec_history.watch.service import demo_entry_id
from movierec_history.worker import celery_app

cli = service_cli(
    service="history",
    version=__version__,
    settings_factory=get_settings,
    app_factory="movierec_history.app:create_app",
    celery_app=celery_app,
    migrations_dir=locate_migrations(__file__),
    consumer_factory=consumer_for,
)


cli.add_command(
    demo_import_command(
        settings_factory=get_settings,
        service_factory=service_for,
        to_row=lambda r: {
            "id": demo_entry_id(r.movielens_user_id, r.movie_id, r.rated_at),
            "user_id": r.user_id,
            "movie_id": r.movie_id,
            "watched_at": r.rated_at,
        },
        apply="import_watches",
        noun="watches",
        help_text="Record each rated movie of ratings.csv as watched at the rating's time.",
    )
)


def main() -> None:
    cli()
