"""Per-variant metrics with 95 % confidence intervals, and a verdict safe to peek at.

Metrics are ratios of per-user sums (clicks / impressions …): users, not impressions, are
the independent units, so their intervals use the delta method over users. The verdict
compares each variant with the first (the control) on the primary metric with a mixture
sequential probability ratio test (mSPRT, Johari et al., "Always valid inference", 2017):
its p-value stays valid however often the results are looked at, so an experiment may be
read daily and stopped as soon as the verdict is reached, at the stated error rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054
#: The false positive rate of a verdict.
ALPHA = 0.05
#: The mixture's scale: the size of difference in the primary metric the test is most
#: sensitive to (absolute, on a 0..1 rate).
MIXTURE_SCALE = 0.02
#: No verdict before each arm has this many exposed users.
MIN_USERS = 20


@dataclass(frozen=True)
class Estimate:
    value: float | None
    low: float | None
    high: float | None
    #: The estimate's variance (None when there is no estimate).
    variance: float | None = None

    def as_dict(self) -> dict[str, float | None]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 6)

        return {"value": r(self.value), "low": r(self.low), "high": r(self.high)}


NONE = Estimate(None, None, None)


def ratio(numerators: np.ndarray, denominators: np.ndarray) -> Estimate:
    """Σ numerators / Σ denominators over users, with its 95 % interval (delta method:
    Var ≈ (s²_x − 2R s_xy + R² s²_y) / (n ȳ²), sample moments over the n users with a
    non-zero denominator)."""
    x = np.asarray(numerators, np.float64)
    y = np.asarray(denominators, np.float64)
    keep = y > 0
    x, y = x[keep], y[keep]
    n = len(y)
    if n == 0:
        return NONE
    r = float(x.sum() / y.sum())
    if n < 2:
        return Estimate(r, None, None, None)
    mean_y = float(y.mean())
    cov = np.cov(x, y, ddof=1)
    variance = float(cov[0, 0] - 2 * r * cov[0, 1] + r * r * cov[1, 1]) / (n * mean_y * mean_y)
    half = Z95 * math.sqrt(max(variance, 0.0))
    return Estimate(r, r - half, r + half, max(variance, 0.0))


def msprt_p_value(difference: float, variance: float, scale: float = MIXTURE_SCALE) -> float:
    """Always-valid p-value of "no difference" given an estimated difference and its
    variance, under a normal mixture N(0, scale²) over the alternative:
    Λ = √(V / (V + τ²)) · exp(τ² d² / (2 V (V + τ²))), p = min(1, 1 / Λ)."""
    if variance <= 0:
        return 1.0 if difference == 0 else 0.0
    tau2 = scale * scale
    log_lambda = 0.5 * math.log(variance / (variance + tau2)) + (
        tau2 * difference * difference / (2 * variance * (variance + tau2))
    )
    return min(1.0, math.exp(-log_lambda)) if log_lambda < 700 else 0.0


@dataclass(frozen=True)
class Arm:
    """One variant's per-user sums (arrays over its exposed users)."""

    impressions: np.ndarray
    clicks: np.ndarray
    dismissals: np.ndarray
    watches: np.ndarray
    ratings: np.ndarray
    rating_sums: np.ndarray

    @property
    def users(self) -> int:
        return len(self.impressions)

    def metrics(self) -> dict[str, Estimate]:
        return {
            "click_through_rate": ratio(self.clicks, self.impressions),
            "watch_rate": ratio(self.watches, self.impressions),
            "rating_rate": ratio(self.ratings, self.impressions),
            "dismissal_rate": ratio(self.dismissals, self.impressions),
            "mean_rating": ratio(self.rating_sums, self.ratings),
        }


PRIMARY = "click_through_rate"


def verdict(arms: list[Arm], names: list[str]) -> dict[str, object]:
    """Each variant against the first (the control) on the primary metric, by mSPRT at
    ``ALPHA`` (Bonferroni-corrected over the comparisons). The winner: the best variant
    significantly above the control, else the control if some variant is significantly
    below it; none while no comparison is significant."""
    control = arms[0].metrics()[PRIMARY]
    alpha = ALPHA / max(1, len(arms) - 1)
    comparisons: list[dict[str, object]] = []
    above: list[tuple[float, str]] = []
    below = False
    for name, arm in zip(names[1:], arms[1:], strict=True):
        treated = arm.metrics()[PRIMARY]
        p = 1.0
        enough = min(arms[0].users, arm.users) >= MIN_USERS
        if enough and control.variance is not None and treated.variance is not None:
            difference = (treated.value or 0.0) - (control.value or 0.0)
            p = msprt_p_value(difference, control.variance + treated.variance)
            if p <= alpha:
                if difference > 0:
                    above.append((treated.value or 0.0, name))
                else:
                    below = True
        comparisons.append(
            {"variant": name, "against": names[0], "p_value": round(p, 6),
             "significant": p <= alpha}
        )  # fmt: skip
    winner = max(above)[1] if above else (names[0] if below else None)
    metric = PRIMARY.replace("_", " ")
    if winner is None:
        text = (
            f"No difference in {metric} established yet (each variant needs {MIN_USERS}"
            f" users and an always-valid p ≤ {alpha:g}): keep it running."
        )
    else:
        text = f"{winner} has the higher {metric} (always-valid p ≤ {alpha:g}): verdict reached."
    return {
        "primary_metric": PRIMARY,
        "method": "mSPRT",
        "alpha": ALPHA,
        "decided": winner is not None,
        "winner": winner,
        "text": text,
        "comparisons": comparisons,
    }
