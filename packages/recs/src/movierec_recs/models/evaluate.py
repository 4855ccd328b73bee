"""Evaluation of the baselines on one seeded split (work in progress: the strategies and\nthe `movierec-recs evaluate` command come next, see issue 6)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from movierec_recs.models.data import Dataset, Interactions, load_movielens
from movierec_recs.models.evaluation import evaluate_rankings, holdout_split, relevant_items
from movierec_recs.models.strategies import Ease, MostPopular, rank

EASE_L2_GRID = (100.0, 250.0, 500.0, 1000.0, 2000.0)


def _evaluate(model, dataset: Dataset, train: Interactions, test: Interactions, k: int) -> dict:
    relevant = relevant_items(test)
    users = np.array(sorted(relevant), dtype=np.int64)
    x = train.matrix(dataset.n_users, dataset.n_items)
    rankings: dict[int, np.ndarray] = {}
    for start in range(0, len(users), 256):
        chunk = users[start : start + 256]
        rows = x[chunk]
        top = rank(model, rows, k=k, exclude=rows)
        for user, items in zip(chunk, top, strict=True):
            rankings[int(user)] = items
    return evaluate_rankings(rankings, relevant, k=k, n_items=dataset.n_items).as_dict()


def tune_ease(dataset: Dataset, train: Interactions, *, k: int, seed: int) -> float:
    """λ with the best NDCG@k on a validation split of the training part."""
    inner = holdout_split(train, seed=seed + 1)
    best, best_l2 = -1.0, EASE_L2_GRID[0]
    for l2 in EASE_L2_GRID:
        ndcg = _evaluate(
            Ease(l2=l2).fit(dataset, inner.train), dataset, inner.train, inner.test, k
        )["ndcg"]
        if ndcg > best:
            best, best_l2 = ndcg, l2
    return best_l2


def evaluate(data_dir: Path, *, k: int = 10, seed: int = 42) -> dict[str, dict]:
    dataset = load_movielens(
        data_dir / "ratings.csv", data_dir / "movies.csv", tags=data_dir / "tags.csv"
    )
    split = holdout_split(dataset.interactions, seed=seed)
    results: dict[str, dict] = {}
    started = time.perf_counter()
    popular = MostPopular(plain=True, name="most-popular").fit(dataset, split.train)
    results["most-popular"] = _evaluate(popular, dataset, split.train, split.test, k)
    l2 = tune_ease(dataset, split.train, k=k, seed=seed)
    ease = Ease(l2=l2).fit(dataset, split.train)
    results["ease"] = {**_evaluate(ease, dataset, split.train, split.test, k), "l2": l2}
    results["_meta"] = {"seconds": round(time.perf_counter() - started, 1), "k": k, "seed": seed}
    return results
