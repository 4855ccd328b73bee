"""`movierec-history`: serve | worker | beat | relay | consume | migrate | import."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import click

from movierec_common.cache import create_redis
from movierec_common.cli import service_cli
from movierec_common.db import Database
from movierec_common.demo import resolve_data_dir
from movierec_common.migrations import locate_migrations
from movierec_common.userdata import DemoImportCounts, import_demo_ratings
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


@cli.command(
    "import", help="Record each rated movie of ratings.csv as watched at the rating's time."
)
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=None)
@click.option("--batch-size", type=click.IntRange(100, 20_000), default=5000, show_default=True)
def import_command(data_dir: Path | None, batch_size: int) -> None:
    settings = get_settings()
    try:
        folder = resolve_data_dir(data_dir, os.environ.get("MOVIEREC_DATA"))
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc

    async def run() -> DemoImportCounts:
        redis_client = create_redis(settings.redis_url)
        database = Database.for_service(settings, pool_size=2)
        service = service_for(settings, redis_client)
        try:
            return await import_demo_ratings(
                database,
                folder,
                to_row=lambda r: {
                    "id": demo_entry_id(r.movielens_user_id, r.movie_id, r.rated_at),
                    "user_id": r.user_id,
                    "movie_id": r.movie_id,
                    "watched_at": r.rated_at,
                },
                apply=service.import_watches,
                batch_size=batch_size,
                label="watches",
            )
        finally:
            await database.dispose()
            await redis_client.aclose()

    try:
        counts = asyncio.run(run())
    except (FileNotFoundError, LookupError) as exc:
        raise click.ClickException(str(exc)) from exc
    for problem in counts.problems:
        click.echo(f"skipped {problem}", err=True)
    click.echo(counts.summary("watches"))


def main() -> None:
    cli()
