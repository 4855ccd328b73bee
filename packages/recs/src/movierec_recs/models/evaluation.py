"""The evaluation protocol and the ranking metrics (binary relevance)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from movierec_recs.models.data import Interactions
from movierec_recs.models.diversity import intra_list_diversity

RELEVANT_SCORE = 4.0


@dataclass
class Split:
    train: Interactions
    test: Interactions


def holdout_split(interactions: Interactions, *, fraction: float = 0.2, seed: int = 42) -> Split:
    """Per user, hold out floor(fraction × their ratings), chosen at random with ``seed``."""
    rng = np.random.default_rng(seed)
    test = np.zeros(len(interactions), bool)
    order = np.argsort(interactions.users, kind="stable")
    users_sorted = interactions.users[order]
    bounds = np.flatnonzero(np.diff(users_sorted)) + 1
    for group in np.split(order, bounds):
        n = int(np.floor(fraction * len(group)))
        if n:
            test[rng.choice(group, size=n, replace=False)] = True
    return Split(train=interactions.subset(~test), test=interactions.subset(test))


def precision_at_k(hits: np.ndarray, k: int) -> float:
    return float(hits[:k].sum()) / k


def recall_at_k(hits: np.ndarray, k: int, n_relevant: int) -> float:
    return float(hits[:k].sum()) / n_relevant


def ndcg_at_k(hits: np.ndarray, k: int, n_relevant: int) -> float:
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = float((hits[:k] * discounts[: len(hits[:k])]).sum())
    idcg = float(discounts[: min(n_relevant, k)].sum())
    return dcg / idcg


def average_precision_at_k(hits: np.ndarray, k: int, n_relevant: int) -> float:
    top = hits[:k]
    if not top.any():
        return 0.0
    positions = np.flatnonzero(top) + 1
    return float((np.arange(1, len(positions) + 1) / positions).sum()) / min(n_relevant, k)


@dataclass
class Metrics:
    precision: float
    recall: float
    ndcg: float
    map: float
    hit_rate: float
    coverage: float
    users: int
    #: Mean dissimilarity of the pairs in a list (needs an item space), averaged over users.
    diversity: float | None = None
    #: Mean self-information -log2(share of users who have the item) of what is recommended.
    novelty: float | None = None

    def as_dict(self) -> dict[str, float]:
        extra = {
            name: round(value, 4)
            for name, value in (("diversity", self.diversity), ("novelty", self.novelty))
            if value is not None
        }
        return {
            **extra,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "ndcg": round(self.ndcg, 4),
            "map": round(self.map, 4),
            "hit_rate": round(self.hit_rate, 4),
            "coverage": round(self.coverage, 4),
            "users": self.users,
        }


def evaluate_rankings(
    rankings: dict[int, np.ndarray],
    relevant: dict[int, set[int]],
    *,
    k: int,
    n_items: int,
    space: np.ndarray | None = None,
    popularity: tuple[np.ndarray, int] | None = None,
) -> Metrics:
    """Average the metrics over users with ≥ 1 relevant item; coverage over all of them.

    ``space`` adds intra-list diversity; ``popularity`` (users per item, users in all)
    adds novelty."""
    p = r = n = m = h = d = nov = 0.0
    recommended: set[int] = set()
    users = [u for u in rankings if relevant.get(u)]
    for user in users:
        top = rankings[user][:k]
        recommended.update(int(i) for i in top)
        rel = relevant[user]
        hits = np.fromiter((1.0 if int(i) in rel else 0.0 for i in top), float, len(top))
        p += precision_at_k(hits, k)
        r += recall_at_k(hits, k, len(rel))
        n += ndcg_at_k(hits, k, len(rel))
        m += average_precision_at_k(hits, k, len(rel))
        h += 1.0 if hits.any() else 0.0
        if space is not None:
            d += intra_list_diversity(top, space)
        if popularity is not None and len(top):
            counts, n_users = popularity
            shares = np.maximum(counts[np.asarray(top, np.int64)], 1) / n_users
            nov += float(-np.log2(shares).mean())
    count = max(1, len(users))
    return Metrics(
        p / count,
        r / count,
        n / count,
        m / count,
        h / count,
        len(recommended) / n_items,
        len(users),
        diversity=d / count if space is not None else None,
        novelty=nov / count if popularity is not None else None,
    )


def relevant_items(test: Interactions) -> dict[int, set[int]]:
    relevant: dict[int, set[int]] = {}
    for user, item, score in zip(test.users, test.items, test.scores, strict=True):
        if score >= RELEVANT_SCORE:
            relevant.setdefault(int(user), set()).add(int(item))
    return relevant
