"""`movierec-history`: serve | worker | beat | relay | consume | migrate | import."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import click
from tqdm import tqdm

from movierec_common.cache import create_redis
from movierec_common.cli import service_cli
from movierec_common.demo import read_ratings, resolve_data_dir
from movierec_common.known_movies import known_movie_ids
from movierec_common.migrations import locate_migrations
from movierec_history import __version__
from movierec_history.config import get_settings
from movierec_history.runtime import consumer_for, database_for, service_for
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
    path = folder / "ratings.csv"
    if not path.is_file():
        raise click.ClickException(f"{path} not found")

    async def run() -> tuple[int, int, int, list[str]]:
        redis_client = create_redis(settings.redis_url)
        database = database_for(settings, pool_size=2)
        service = service_for(settings, redis_client)
        problems: list[str] = []
        created = unknown = total = 0
        try:
            async with database.transaction() as session:
                known = await known_movie_ids(session)
            if not known:
                raise click.ClickException(
                    "no known movies yet: import the catalog and run `movierec-history consume`"
                    " until the movie events are in"
                )
            batch: list[dict] = []

            async def flush() -> None:
                nonlocal created, batch
                async with database.transaction() as session:
                    created += await service.import_watches(session, batch)
                bar.update(len(batch))
                batch = []

            with tqdm(desc="watches", unit="watch") as bar:
                for rating in read_ratings(path, problems):
                    total += 1
                    if rating.movie_id not in known:
                        unknown += 1
                        continue
                    batch.append(
                        {
                            "id": demo_entry_id(
                                rating.movielens_user_id, rating.movie_id, rating.rated_at
                            ),
                            "user_id": rating.user_id,
                            "movie_id": rating.movie_id,
                            "watched_at": rating.rated_at,
                        }
                    )
                    if len(batch) >= batch_size:
                        await flush()
                if batch:
                    await flush()
        finally:
            await database.dispose()
            await redis_client.aclose()
        return total, created, unknown, problems

    total, created, unknown, problems = asyncio.run(run())
    for problem in problems:
        click.echo(f"skipped {problem}", err=True)
    click.echo(
        f"watches: {total} read, {created} created, {total - created - unknown} already present,"
        f" {unknown} for unknown movies, {len(problems)} malformed"
    )


def main() -> None:
    cli()
