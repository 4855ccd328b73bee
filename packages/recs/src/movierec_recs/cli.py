"""The recs service's own commands: evaluate, recommend-batch, train."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click
import numpy as np
from scipy import sparse
from tqdm import tqdm

from movierec_common import aio
from movierec_common.service import ServiceSpec, pass_spec
from movierec_recs import training
from movierec_recs.config import Settings
from movierec_recs.models.bundle import STRATEGIES, ModelBundle, recommend, save
from movierec_recs.models.data import load_movielens
from movierec_recs.models.evaluate import evaluate
from movierec_recs.serving.recommender import Recommender

DataDir = click.Path(exists=True, file_okay=False, path_type=Path)


def _progress(bar: tqdm) -> Callable[[str], None]:
    """Shows each step's name on the bar and counts it."""

    def step(name: str) -> None:
        bar.set_postfix_str(name)
        bar.update()

    return step


def _require(folder: Path, *names: str) -> None:
    for name in names:
        if not (folder / name).is_file():
            raise click.ClickException(f"{folder / name} not found")


@click.command("evaluate", help="Offline metrics of every strategy and two baselines.")
@click.option("--data", "data_dir", type=DataDir, required=True)
@click.option("--k", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option(
    "--strategy",
    "strategies",
    multiple=True,
    type=click.Choice(STRATEGIES),
    help="Strategies to evaluate (repeatable; default all). Baselines always run.",
)
@click.option("--json", "as_json", is_flag=True, help="Print {strategy: {metric: value}}.")
def evaluate_command(
    data_dir: Path, k: int, seed: int, strategies: tuple[str, ...], as_json: bool
) -> None:
    _require(data_dir, "ratings.csv", "movies.csv")
    bar = tqdm(desc="evaluate", unit="step", disable=as_json)
    results, tuning = evaluate(
        data_dir,
        k=k,
        seed=seed,
        strategies=strategies or STRATEGIES,
        progress=_progress(bar),
    )
    bar.close()
    click.echo(f"tuning: {json.dumps(tuning)}", err=True)
    if as_json:
        click.echo(json.dumps(results, indent=2))
        return
    columns = ("precision", "recall", "ndcg", "map", "hit_rate", "coverage", "diversity")
    header = "".join(f"{c + '@' + str(k):>13}" for c in columns) + f"{'novelty':>10}"
    click.echo(f"{'strategy':<24}" + header)
    for name, metrics in results.items():
        values = "".join(f"{metrics[c]:>13.4f}" for c in columns)
        click.echo(f"{name:<24}" + values + f"{metrics['novelty']:>10.3f}")


@click.command(
    "recommend-batch", help="Top-k per user to a CSV (userId,movieId,rank); no services."
)
@click.option(
    "--ratings",
    "ratings_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
)
@click.option(
    "--movies",
    "movies_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
)
@click.option(
    "--users",
    "users_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
)
@click.option("--k", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--strategy", type=click.Choice(STRATEGIES), default="hybrid", show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
def recommend_batch(
    ratings_path: Path,
    movies_path: Path,
    users_path: Path,
    k: int,
    out_path: Path,
    strategy: str,
    seed: int,
) -> None:
    dataset = load_movielens(ratings_path, movies_path, tags=movies_path.parent / "tags.csv")
    wanted: list[int] = []
    for line_no, line in enumerate(users_path.read_text().splitlines(), start=1):
        if line.strip():
            try:
                wanted.append(int(line.strip()))
            except ValueError as exc:
                raise click.ClickException(
                    f"{users_path}:{line_no}: not a userId: {line!r}"
                ) from exc
    bundle = ModelBundle.fit(dataset, dataset.interactions, seed=seed)
    x = dataset.interactions.matrix(dataset.n_users, dataset.n_items, values="rating")
    empty = sparse.csr_matrix((1, dataset.n_items), dtype=np.float32)
    with out_path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["userId", "movieId", "rank"])
        for user in tqdm(wanted, desc="users", unit="user"):
            index = dataset.user_index.get(user)
            # A user absent from the ratings gets cold-start (popular) recommendations.
            row = x[[index]] if index is not None else empty
            items = recommend(bundle, row, strategy=strategy, k=k, user=index)
            for position, entry in enumerate(items, start=1):
                writer.writerow([user, int(dataset.item_ids[entry["item"]]), position])
    click.echo(f"wrote {out_path}: {len(wanted)} users × {k}")


@click.command(
    "train",
    help="Fit every strategy and save a versioned model: from the service's database into"
    " it (what the API serves; the default), or with --data from MovieLens files to --out.",
)
@click.option("--data", "data_dir", type=DataDir, default=None)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".movierec/models"),
    show_default=True,
    help="Where --data training writes its artifact.",
)
@click.option("--seed", type=int, default=42, show_default=True)
@pass_spec
def train(
    spec: ServiceSpec[Settings, Recommender], data_dir: Path | None, out_dir: Path, seed: int
) -> None:
    if data_dir is None:
        with tqdm(desc="train", unit="step") as bar:
            try:
                version = aio.run(
                    training.train(
                        spec.load_settings(),
                        wait=True,
                        progress=_progress(bar),
                    )
                )
            except training.NothingToTrainError as exc:
                raise click.ClickException(str(exc)) from exc
        click.echo(f"model {version} stored; every API replica serves it within seconds")
        return
    _require(data_dir, "ratings.csv", "movies.csv")
    dataset = load_movielens(
        data_dir / "ratings.csv", data_dir / "movies.csv", tags=data_dir / "tags.csv"
    )
    with tqdm(total=5, desc="train", unit="part") as bar:
        bundle = ModelBundle.fit(
            dataset,
            dataset.interactions,
            seed=seed,
            progress=_progress(bar),
        )
    trained_at = datetime.now(UTC)
    version = training.new_version(trained_at)
    path = out_dir / f"model-{version}.npz"
    save(
        bundle,
        path,
        meta={"version": version, "trained_at": trained_at.isoformat(), "algorithm": "hybrid"},
    )
    click.echo(f"saved {path} ({bundle.fit_seconds:.1f} s to fit)")
