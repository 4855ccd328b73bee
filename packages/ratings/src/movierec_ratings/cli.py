"""`movierec-ratings`: serve | worker | beat | relay | consume | migrate | import."""

from __future__ import annotations

from movierec_common.cli import service_cli
from movierec_common.migrations import locate_migrations
from movierec_common.userdata import demo_import_command
from movierec_ratings import __version__
from movierec_ratings.config import get_settings
from movierec_ratings.runtime import consumer_for, service_for
from movierec_ratings.worker import celery_app

cli = service_cli(
    service="ratings",
    version=__version__,
    settings_factory=get_settings,
    app_factory="movierec_ratings.app:create_app",
    celery_app=celery_app,
    migrations_dir=locate_migrations(__file__),
    consumer_factory=consumer_for,
)


cli.add_command(
    demo_import_command(
        settings_factory=get_settings,
        service_factory=service_for,
        to_row=lambda r: {
            "user_id": r.user_id,
            "movie_id": r.movie_id,
            "score": r.score,
            "rated_at": r.rated_at,
        },
        apply="import_ratings",
        noun="ratings",
        help_text="Load MovieLens ratings.csv for the demo users (idempotent).",
    )
)


def main() -> None:
    cli()
