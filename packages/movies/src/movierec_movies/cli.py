"""`movierec-movies import`: the catalog from MovieLens files (+ IMDb top-1000)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from movierec_common import aio
from movierec_common.demo import default_imdb_file, resolve_data_dir
from movierec_common.service import ServiceSpec, pass_spec
from movierec_movies.catalog.service import CatalogService
from movierec_movies.config import Settings


@click.command("import", help="Import MovieLens movies (+ links, tags, IMDb top-1000 enrichment).")
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
@pass_spec
def import_command(
    spec: ServiceSpec[Settings, CatalogService], data_dir: Path | None, imdb_file: Path | None
) -> None:
    try:
        folder = resolve_data_dir(data_dir, os.environ.get("MOVIEREC_DATA"))
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    if imdb_file is not None and not imdb_file.is_file():
        raise click.ClickException(f"{imdb_file} not found")
    imdb = imdb_file or default_imdb_file(folder)

    async def run() -> dict[str, Any]:
        bar = tqdm(desc="movies", unit="movie", total=0)

        async def progress(stage: str, done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            async with spec.runtime() as runtime:
                return await runtime.service.import_catalog(
                    data_dir=folder, imdb_file=imdb, progress=progress
                )
        finally:
            bar.close()

    try:
        report = aio.run(run())
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
