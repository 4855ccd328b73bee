"""recommend-batch's file contract and determinism, on a small synthetic data set."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import random
import zipfile
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from movierec_recs.models.bundle import (
    ModelBundle,
    from_bytes,
    recommend,
    to_bytes,
    with_catalog,
)
from movierec_recs.models.data import load_movielens
from movierec_recs.models.strategies import prune_rows
from movierec_tools.processes import console_script

GENRES = ["Comedy", "Drama", "Horror", "Sci-Fi"]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    rng = random.Random(3)
    movies = ["movieId,title,genres"] + [
        f"{m},Movie {m} ({1990 + m % 20}),{GENRES[m % 4]}" for m in range(1, 41)
    ]
    ratings = ["userId,movieId,rating,timestamp"]
    for user in range(1, 31):
        for movie in rng.sample(range(1, 41), 12):
            score = rng.choice([1, 2, 3, 3.5, 4, 4.5, 5])  # integers and halves both occur
            ratings.append(f"{user},{movie},{score},{1_500_000_000 + user * 1000 + movie}")
    (tmp_path / "movies.csv").write_text("\n".join(movies) + "\n")
    (tmp_path / "ratings.csv").write_text("\n".join(ratings) + "\n")
    (tmp_path / "users.txt").write_text("1\n2\n\n777\n")
    return tmp_path


async def test_recommend_batch_writes_k_unseen_movies_per_user(tiny: Path):
    out = tiny / "out.csv"
    proc = await asyncio.create_subprocess_exec(
        console_script("movierec-recs"),
        "recommend-batch",
        "--ratings",
        str(tiny / "ratings.csv"),
        "--movies",
        str(tiny / "movies.csv"),
        "--users",
        str(tiny / "users.txt"),
        "--k",
        "5",
        "--out",
        str(out),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await proc.communicate()
    assert proc.returncode == 0, output.decode()
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["userId", "movieId", "rank"]
    by_user: dict[str, list[tuple[str, str]]] = {}
    for user, movie, position in rows[1:]:
        by_user.setdefault(user, []).append((movie, position))
    assert set(by_user) == {"1", "2", "777"}  # 777 has no ratings: cold start
    rated: dict[str, set[str]] = {}
    for line in (tiny / "ratings.csv").read_text().splitlines()[1:]:
        user, movie, *_ = line.split(",")
        rated.setdefault(user, set()).add(movie)
    for user, entries in by_user.items():
        assert [p for _, p in entries] == ["1", "2", "3", "4", "5"]
        assert len({m for m, _ in entries}) == 5
        assert not {m for m, _ in entries} & rated.get(user, set())


def test_fitting_twice_with_one_seed_gives_the_same_recommendations(tiny: Path):
    dataset = load_movielens(tiny / "ratings.csv", tiny / "movies.csv")
    x = dataset.interactions.matrix(dataset.n_users, dataset.n_items, values="rating")
    runs = []
    for _ in range(2):
        bundle = ModelBundle.fit(dataset, dataset.interactions, seed=7, ease_l2=10.0)
        runs.append([r["item"] for r in recommend(bundle, x[[0]], k=5)])
    assert runs[0] == runs[1]


def test_recommendations_carry_their_reason(tiny: Path):
    dataset = load_movielens(tiny / "ratings.csv", tiny / "movies.csv")
    x = dataset.interactions.matrix(dataset.n_users, dataset.n_items, values="rating")
    bundle = ModelBundle.fit(dataset, dataset.interactions, seed=7, ease_l2=10.0)
    seen = set(x[[0]].indices.tolist())
    kinds = {
        "hybrid": {"viewers_also_liked", "because_you_watched", "taste"},
        "ratings": {"viewers_also_liked", "taste"},
        "history": {"because_you_watched", "taste"},
    }
    for strategy, allowed in kinds.items():
        for entry in recommend(bundle, x[[0]], strategy=strategy, k=3):
            assert entry["reason"]["kind"] in allowed
            if entry["reason"]["kind"] != "taste":
                assert entry["reason"]["because_of"] in seen
    cold = recommend(
        bundle, x[[0]][:, :0].__class__((1, dataset.n_items)), k=3, favorite_genres=["Horror"]
    )
    assert all(entry["reason"]["kind"] == "favorite_genres" for entry in cold)
    assert all("Horror" in dataset.genres[entry["item"]] for entry in cold)


def test_an_artifact_round_trip_scores_exactly_like_the_fitted_bundle(tiny: Path):
    dataset = load_movielens(tiny / "ratings.csv", tiny / "movies.csv")
    x = dataset.interactions.matrix(dataset.n_users, dataset.n_items, values="rating")
    bundle = ModelBundle.fit(dataset, dataset.interactions, seed=7, ease_l2=10.0)
    loaded, manifest = from_bytes(to_bytes(bundle, meta={"version": "v1"}))
    assert manifest["version"] == "v1"
    for strategy in ("hybrid", "history", "ratings", "popular"):
        want = recommend(bundle, x[[3]], strategy=strategy, k=5, user=3)
        got = recommend(loaded, x[[3]], strategy=strategy, k=5, user=3)
        assert [e["item"] for e in got] == [e["item"] for e in want]


def test_an_artifact_is_a_deflated_npz_numpy_reads(tiny: Path):
    dataset = load_movielens(tiny / "ratings.csv", tiny / "movies.csv")
    bundle = ModelBundle.fit(dataset, dataset.interactions, seed=7)
    raw = to_bytes(bundle, meta={"version": "v1"})
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_DEFLATED}
    with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
        assert np.array_equal(npz["item_ids"], dataset.item_ids)
        assert np.array_equal(npz["lightfm_vectors"], bundle.parts["lightfm"].item_vectors)


def test_a_movie_unseen_at_training_is_scored_from_its_features(tiny: Path):
    dataset = load_movielens(tiny / "ratings.csv", tiny / "movies.csv")
    bundle, _ = from_bytes(
        to_bytes(ModelBundle.fit(dataset, dataset.interactions, seed=7), meta={})
    )
    # The live catalog: movie 4 is gone, movie 99 (a Horror film of 1995) is new.
    keep = [i for i, m in enumerate(dataset.item_ids) if m != 4]
    catalog = load_movielens(tiny / "ratings.csv", tiny / "movies.csv")
    catalog.item_ids = catalog.item_ids[keep]
    catalog.titles = [catalog.titles[i] for i in keep] + ["Brand New (1995)"]
    catalog.genres = [catalog.genres[i] for i in keep] + [["Horror"]]
    catalog.years = np.append(catalog.years[keep], 1995)
    catalog.tags = [[] for _ in catalog.titles]
    catalog.item_ids = np.append(catalog.item_ids, 99)
    served, available = with_catalog(bundle, catalog)
    new = served.dataset.item_index[99]
    assert new == dataset.n_items and available[new]
    assert not available[served.dataset.item_index[4]]
    assert served.dataset.titles[new] == "Brand New (1995)"
    # A user who watched one horror film of the 1990s finds the new one most similar by content.
    horror = next(
        i
        for i in range(dataset.n_items)
        if dataset.genres[i] == ["Horror"] and dataset.years[i] // 10 == 199
    )
    row = sparse.csr_matrix(([4.0], ([0], [horror])), shape=(1, served.dataset.n_items))
    scores = served.strategy("history").score(row)[0]
    assert np.isfinite(scores).all()
    assert served.parts["content"].score(row)[0][new] == pytest.approx(1.0, abs=1e-5)
    top = recommend(served, row, strategy="history", k=served.dataset.n_items, allowed=available)
    assert new in [e["item"] for e in top]
    assert served.dataset.item_index[4] not in [e["item"] for e in top]


def test_pruned_ease_keeps_the_strongest_weights_of_each_row():
    dense = np.array([[0.0, 3.0, -1.0, 2.0], [5.0, 0.0, 1.0, 4.0]], np.float32)
    pruned = prune_rows(dense, 2).toarray()
    assert pruned.tolist() == [[0.0, 3.0, 0.0, 2.0], [5.0, 0.0, 0.0, 4.0]]


async def test_one_seed_fits_the_same_model_in_every_process(tiny: Path):
    """String hashing differs between processes; the fitted model must not."""
    vocabulary = ["dark", "funny", "space", "twist", "classic", "slow", "gore", "quirky"]
    tags = ["userId,movieId,tag,timestamp"] + [
        f"1,{m},{tag},0" for m in range(1, 41) for tag in vocabulary[m % 4 : m % 4 + 5]
    ]
    (tiny / "tags.csv").write_text("\n".join(tags) + "\n")
    models = []
    for hash_seed in ("1", "2"):
        out = tiny / f"models-{hash_seed}"
        proc = await asyncio.create_subprocess_exec(
            console_script("movierec-recs"),
            *("train", "--data", str(tiny), "--out", str(out)),
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await proc.communicate()
        assert proc.returncode == 0, output.decode()
        (artifact,) = out.glob("model-*.npz")
        models.append(from_bytes(artifact.read_bytes())[0])
    first, second = models
    assert first.space.names == second.space.names
    np.testing.assert_array_equal(
        first.parts["lightfm"].item_vectors, second.parts["lightfm"].item_vectors
    )
