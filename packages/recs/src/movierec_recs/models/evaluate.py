"""`movierec-recs evaluate`: every strategy and two baselines on one seeded split."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from movierec_recs.models.bundle import (
    STRATEGIES,
    ModelBundle,
    Progress,
    evaluate_scorer,
    tune,
)
from movierec_recs.models.data import load_movielens
from movierec_recs.models.evaluation import holdout_split
from movierec_recs.models.strategies import Ease, MostPopular


def evaluate(
    data_dir: Path,
    *,
    k: int = 10,
    seed: int = 42,
    strategies: tuple[str, ...] = STRATEGIES,
    progress: Progress | None = None,
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """``{strategy: {metric: value}}`` for the strategies, ``hybrid-without-lightfm`` and
    the baselines ``most-popular`` and ``ease``, all fitted on the same 80 % split; and what
    tuning chose (EASE's λ, the blends' weights, the fit time)."""
    note = progress or (lambda _: None)
    dataset = load_movielens(
        data_dir / "ratings.csv", data_dir / "movies.csv", tags=data_dir / "tags.csv"
    )
    split = holdout_split(dataset.interactions, seed=seed)
    results: dict[str, dict[str, Any]] = {}
    note("baseline: most-popular")
    plain = MostPopular(plain=True).fit(dataset, split.train)
    results["most-popular"] = evaluate_scorer(plain, dataset, split.train, split.test, k)
    l2, weights, weights_without = tune(dataset, split.train, k=k, seed=seed, progress=note)
    note("baseline: EASE")
    ease = Ease(l2=l2).fit(dataset, split.train)
    results["ease"] = evaluate_scorer(ease, dataset, split.train, split.test, k)
    tuning: dict[str, Any] = {"ease_l2": l2}
    note("fitting the strategies")
    started = time.perf_counter()
    bundle = ModelBundle.fit(
        dataset, split.train, seed=seed, ease_l2=l2, weights=weights, progress=note
    )
    fit_seconds = time.perf_counter() - started
    for name in strategies:
        note(f"evaluating {name}")
        results[name] = evaluate_scorer(bundle.strategy(name), dataset, split.train, split.test, k)
    if "hybrid" in strategies:
        without = bundle.strategy("hybrid", weights=weights_without)
        results["hybrid-without-lightfm"] = evaluate_scorer(
            without, dataset, split.train, split.test, k
        )
        tuning.update(
            hybrid_weights=weights,
            hybrid_without_lightfm_weights=weights_without,
            fit_seconds=round(fit_seconds, 1),
        )
    return results, tuning
