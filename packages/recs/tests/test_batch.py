"""recommend-batch's file contract and determinism, on a small synthetic data set."""

from __future__ import annotations

import asyncio
import csv
import random
from pathlib import Path

import pytest

from movierec_common.testkit.processes import console_script
from movierec_recs.models.bundle import ModelBundle, recommend
from movierec_recs.models.data import load_movielens

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
    for strategy in ("hybrid", "ratings", "history"):
        for entry in recommend(bundle, x[[0]], strategy=strategy, k=3):
            assert entry["reason"]["kind"] == strategy
            assert entry["reason"]["because_of"] in seen
    cold = recommend(
        bundle, x[[0]][:, :0].__class__((1, dataset.n_items)), k=3, favorite_genres=["Horror"]
    )
    assert all(entry["reason"]["kind"] == "favorite_genres" for entry in cold)
    assert all("Horror" in dataset.genres[entry["item"]] for entry in cold)
