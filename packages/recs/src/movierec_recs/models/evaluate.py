"""`movierec-recs evaluate`: every strategy and two baselines on one seeded split."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from movierec_recs.models.bundle import (
    DEFAULT_DIVERSITY,
    STRATEGIES,
    ModelBundle,
    Progress,
    evaluate_scorer,
    tune,
)
from movierec_recs.models.data import load_movielens
from movierec_recs.models.evaluation import holdout_split
from movierec_recs.models.strategies import Ease, MostPopular, Scorer

#: The hybrid is also measured at these diversities: the trade-off between accuracy and
#: variety in one table.
DIVERSITIES = (0.0, 0.3, 0.6)


def evaluate(
    data_dir: Path,
    *,
    k: int = 10,
    seed: int = 42,
    strategies: tuple[str, ...] = STRATEGIES,
    diversity: float = DEFAULT_DIVERSITY,
    diversities: tuple[float, ...] = DIVERSITIES,
    progress: Progress | None = None,
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """``{strategy: {metric: value}}`` for the strategies (served at ``diversity``),
    ``hybrid-without-lightfm``, the hybrid at each of ``diversities`` and the baselines
    ``most-popular`` and ``ease``, all fitted on the same 80 % split; and what tuning chose
    (EASE's λ, the blends' weights, the fit time). Intra-list diversity is measured in the
    fitted bundle's item space for every row, baselines included."""
    note = progress or (lambda _: None)
    dataset = load_movielens(
        data_dir / "ratings.csv", data_dir / "movies.csv", tags=data_dir / "tags.csv"
    )
    split = holdout_split(dataset.interactions, seed=seed)
    l2, weights, weights_without = tune(dataset, split.train, k=k, seed=seed, progress=note)
    note("fitting the strategies")
    started = time.perf_counter()
    bundle = ModelBundle.fit(
        dataset, split.train, seed=seed, ease_l2=l2, weights=weights, progress=note
    )
    fit_seconds = time.perf_counter() - started
    space = bundle.item_space()

    def measure(model: Scorer, at: float = 0.0) -> dict[str, float]:
        return evaluate_scorer(
            model, dataset, split.train, split.test, k, space=space, diversity=at
        )

    results: dict[str, dict[str, Any]] = {}
    note("baseline: most-popular")
    results["most-popular"] = measure(MostPopular(plain=True).fit(dataset, split.train))
    note("baseline: EASE")
    results["ease"] = measure(Ease(l2=l2).fit(dataset, split.train))
    tuning: dict[str, Any] = {"ease_l2": l2, "diversity": diversity}
    for name in strategies:
        note(f"evaluating {name}")
        results[name] = measure(bundle.strategy(name), diversity)
    if "hybrid" in strategies:
        results["hybrid-without-lightfm"] = measure(
            bundle.strategy("hybrid", weights=weights_without), diversity
        )
        for at in diversities:
            note(f"hybrid at diversity {at:g}")
            results[f"hybrid, diversity {at:g}"] = measure(bundle.strategy("hybrid"), at)
        tuning.update(
            hybrid_weights=weights,
            hybrid_without_lightfm_weights=weights_without,
            fit_seconds=round(fit_seconds, 1),
        )
    return results, tuning
