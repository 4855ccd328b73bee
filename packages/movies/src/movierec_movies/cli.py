"""`movierec-movies`: serve | worker | beat | relay | consume | migrate | import."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import click
from tqdm import tqdm

from movierec_common.cache import create_redis
from movierec_common.cli import service_cli
from movierec_common.demo import default_imdb_file, resolve_data_dir
from movierec_common.migrations import locate_migrations
from movierec_movies import __version__
from movierec_movies.catalog.imports import import_catalog
from movierec_movies.config import get_settings
from movierec_movies.runtime import catalog_for, consumer_for, database_for
from movierec_movies.worker import celery_app

cli = service_cli(
    service="movies",
    version=__version__,
    settings_factory=get_settings,
    app_factory="movierec_movies.app:create_app",
    celery_app=celery_app,
    migrations_dir=locate_migrations(__file__),
    consumer_factory=consumer_for,
)


@cli.command("import", help="Import MovieLens movies (+ links, tags, IMDb top-1000 enrichment).")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="MovieLens folder (default: $MOVIEREC_DATA, data/ml-latest-small, "
    "../shared/data/ml-latest-small).",
)
@click.option(
    "--imdb",
    "imdb_file",
    type=click.Path(path_type=Path),
    default=None,
    help="IMDb top-1000 CSV (default: <data>/../imdb-top-1000/imdb_top_1000.csv).",
)
def import_command(data_dir: Path | None, imdb_file: Path | None) -> None:
    settings = get_settings()
    try:
        folder = resolve_data_dir(data_dir, os.environ.get("MOVIEREC_DATA"))
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    if imdb_file is not None and not imdb_file.is_file():
        raise click.ClickException(f"{imdb_file} not found")
    imdb = imdb_file or default_imdb_file(folder)

    async def run() -> dict:
        redis_client = create_redis(settings.redis_url)
        database = database_for(settings)
        bar = tqdm(desc="movies", unit="movie", total=0)

        async def progress(stage: str, done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            return await import_catalog(
                database,
                catalog_for(settings, redis_client),
                data_dir=folder,
                imdb_file=imdb,
                progress=progress,
            )
        finally:
            bar.close()
            await database.dispose()
            await redis_client.aclose()

    try:
        report = asyncio.run(run())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    for problem in report["problems"]:
        click.echo(f"skipped {problem}", err=True)
    click.echo(
        f"movies: {report['movies']} read, {report['created']} created, {report['updated']} "
        f"updated, {report['unchanged']} unchanged; {report['skipped']} rows skipped; "
        f"IMDb: {report['enriched']} of {report['imdb_rows']} matched"
        + ("" if imdb else " (no IMDb file)")
    )


def main() -> None:
    cli()
