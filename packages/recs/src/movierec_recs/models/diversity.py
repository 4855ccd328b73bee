"""How alike two movies are, and rankings re-ranked for variety (maximal marginal relevance).

Two movies' similarity is the mean of the cosine of their genre sets and the cosine of
their learned LightFM vectors: genres say what kind of movie it is, the vectors what
kind of viewer it draws. Both are computed once per bundle as unit rows, so a
similarity is one dot product.
"""

from __future__ import annotations

import numpy as np

#: The first positions of a ranking that are diversified, chosen from this many of the
#: most relevant candidates; positions after the window follow relevance. Fixed sizes keep
#: page 2 the continuation of page 1 (a greedy pick depends only on the pool and the
#: picks before it).
WINDOW = 50
POOL = 150


def item_space(genres: list[list[str]], vectors: np.ndarray) -> np.ndarray:
    """Unit rows whose dot products are the items' similarities (0 to 1 when both
    halves are non-negative, -0.5 at worst when learned vectors point apart)."""
    names = sorted({g for gs in genres for g in gs})
    column = {g: i for i, g in enumerate(names)}
    onehot = np.zeros((len(genres), len(names)), np.float32)
    for i, gs in enumerate(genres):
        for g in gs:
            onehot[i, column[g]] = 1.0
    halves = [_unit(onehot), _unit(np.asarray(vectors, np.float32))]
    # Each half scaled by √½: the dot product is the mean of the two cosines.
    return np.hstack(halves) * np.float32(np.sqrt(0.5))


def _unit(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return m / norms


def mmr(
    candidates: np.ndarray, scores: np.ndarray, space: np.ndarray, diversity: float, k: int
) -> list[int]:
    """``k`` of ``candidates`` (item indices, most relevant first) picked greedily, each
    maximising ``(1 - diversity) × relevance - diversity × similarity to the picks so
    far``, relevance being the score rescaled to 0..1 over the candidates."""
    candidates = np.asarray(candidates, np.int64)
    k = min(k, len(candidates))
    if diversity <= 0 or k <= 1:
        return [int(i) for i in candidates[:k]]
    values = np.asarray(scores[candidates], np.float64)
    low, high = float(values.min()), float(values.max())
    relevance = (values - low) / (high - low) if high > low else np.ones_like(values)
    vectors = space[candidates]
    closest = np.full(len(candidates), -np.inf)  # max similarity to a pick, per candidate
    free = np.ones(len(candidates), bool)
    picks: list[int] = []
    for step in range(k):
        gain = (1.0 - diversity) * relevance - diversity * (closest if step else 0.0)
        gain[~free] = -np.inf
        best = int(np.argmax(gain))
        picks.append(best)
        free[best] = False
        closest = np.maximum(closest, vectors @ vectors[best])
    return [int(candidates[i]) for i in picks]


def diversified(
    scores: np.ndarray,
    order: np.ndarray,
    space: np.ndarray,
    diversity: float,
    stop: int,
) -> list[int]:
    """The first ``stop`` items of a ranking whose head is re-ranked by :func:`mmr`.

    ``order``: the allowed items, most relevant first, at least ``max(stop, POOL)`` of
    them when there are that many."""
    if diversity <= 0:
        return [int(i) for i in order[:stop]]
    head = mmr(order[:POOL], scores, space, diversity, min(WINDOW, stop))
    if stop <= len(head):
        return head[:stop]
    chosen = set(head)
    rest = [int(i) for i in order if int(i) not in chosen]
    return head + rest[: stop - len(head)]


def intra_list_diversity(items: np.ndarray, space: np.ndarray) -> float:
    """Mean dissimilarity (1 - similarity) over the pairs of a list; 0 for one item."""
    if len(items) < 2:
        return 0.0
    vectors = space[np.asarray(items, np.int64)]
    sims = vectors @ vectors.T
    n = len(items)
    return float((n * (n - 1) - (sims.sum() - np.trace(sims))) / (n * (n - 1)))
