"""The offline library: metrics against hand-computed values, the split, strategies on tiny data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from movierec_recs.models.data import Dataset, Interactions
from movierec_recs.models.diversity import diversified, intra_list_diversity, mmr
from movierec_recs.models.evaluation import (
    average_precision_at_k,
    evaluate_rankings,
    holdout_split,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
)
from movierec_recs.models.strategies import Content, Ease, Hybrid, MostPopular, rank, spd_inverse


def test_metrics_match_hand_computed_values():
    hits = np.array([1.0, 0.0, 1.0, 0.0])  # hits at ranks 1 and 3, 3 relevant items
    assert precision_at_k(hits, 4) == 0.5
    assert recall_at_k(hits, 4, 3) == pytest.approx(2 / 3)
    dcg = 1 / np.log2(2) + 1 / np.log2(4)
    idcg = 1 / np.log2(2) + 1 / np.log2(3) + 1 / np.log2(4)
    assert ndcg_at_k(hits, 4, 3) == pytest.approx(dcg / idcg)
    assert average_precision_at_k(hits, 4, 3) == pytest.approx((1 / 1 + 2 / 3) / 3)
    assert ndcg_at_k(np.array([0.0, 1.0]), 2, 5) == pytest.approx(
        (1 / np.log2(3)) / (1 + 1 / np.log2(3))
    )


def test_evaluate_rankings_averages_over_users_with_relevant_items():
    rankings = {0: np.array([1, 2]), 1: np.array([3, 4]), 2: np.array([5, 6])}
    relevant = {0: {1}, 1: {9}}
    metrics = evaluate_rankings(rankings, relevant, k=2, n_items=10)
    assert metrics.users == 2
    assert metrics.hit_rate == 0.5
    assert metrics.precision == pytest.approx(0.25)
    assert metrics.coverage == pytest.approx(4 / 10)


def _interactions(pairs: list[tuple[int, int, float]]) -> Interactions:
    users, items, scores = zip(*pairs, strict=True)
    n = len(pairs)
    return Interactions(
        np.array(users, np.int32),
        np.array(items, np.int32),
        np.array(scores, np.float32),
        np.arange(n, dtype=np.int64) * 86400,
    )


def _dataset(
    interactions: Interactions, n_items: int, genres: list[list[str]] | None = None
) -> Dataset:
    n_users = int(interactions.users.max()) + 1
    return Dataset(
        item_ids=np.arange(1, n_items + 1),
        titles=[f"m{i}" for i in range(n_items)],
        years=np.zeros(n_items, np.int16),
        genres=genres or [[] for _ in range(n_items)],
        tags=[[] for _ in range(n_items)],
        user_ids=np.arange(n_users),
        interactions=interactions,
    )


def test_split_holds_out_a_fifth_per_user_deterministically():
    pairs = [(u, i, 4.0) for u in range(3) for i in range(10)]
    data = _interactions(pairs)
    first, second = holdout_split(data, seed=7), holdout_split(data, seed=7)
    assert len(first.test) == 6 and len(first.train) == 24
    assert np.array_equal(first.test.items, second.test.items)
    assert not np.array_equal(holdout_split(data, seed=8).test.items, first.test.items)


def test_most_popular_ranks_by_count_and_never_repeats_seen_items():
    data = _interactions([(0, 0, 5), (1, 0, 5), (2, 0, 5), (1, 1, 5), (2, 1, 5), (2, 2, 5)])
    dataset = _dataset(data, 4)
    model = MostPopular(plain=True).fit(dataset, data)
    rows = data.matrix(3, 4)
    top = rank(model, rows[[0]], k=2, exclude=rows[[0]])
    assert top.tolist() == [[1, 2]]


def test_ease_recommends_what_similar_users_had():
    # Items 0 and 1 always go together; user 3 has 0 only -> 1 comes first.
    pairs = (
        [(u, 0, 5) for u in range(3)]
        + [(u, 1, 5) for u in range(3)]
        + [(3, 0, 5), (4, 2, 5), (4, 3, 5)]
    )
    data = _interactions(pairs)
    dataset = _dataset(data, 4)
    model = Ease(l2=1.0, min_count=1).fit(dataset, data)
    rows = data.matrix(5, 4)
    assert rank(model, rows[[3]], k=1, exclude=rows[[3]]).tolist() == [[1]]


def test_content_recommends_the_same_genre():
    genres = [["Horror"], ["Comedy"], ["Horror"], ["Comedy"]]
    features = sparse.csr_matrix(np.array([[1, 0], [0, 1], [1, 0], [0, 1]], np.float32))
    data = _interactions([(0, 0, 5), (1, 1, 5)])
    dataset = _dataset(data, 4, genres)
    model = Content().fit(dataset, data, features)
    rows = data.matrix(2, 4)
    assert rank(model, rows, k=1, exclude=rows).tolist() == [[2], [3]]


def test_ratings_strategy_prefers_what_raters_liked():
    # Users who rated item 0 highly also rated item 1 highly and item 2 badly.
    pairs = [(u, 0, 5.0) for u in range(4)] + [(u, 1, 5.0) for u in range(4)]
    pairs += [(u, 2, 0.5) for u in range(4)] + [(4, 0, 5.0), (5, 3, 4.0), (5, 2, 4.0)]
    data = _interactions(pairs)
    dataset = _dataset(data, 4)
    model = Ease(l2=1.0, min_count=1, values="rating").fit(dataset, data)
    rows = data.matrix(6, 4, values="rating")
    assert rank(model, rows[[4]], k=1, exclude=rows[[4]]).tolist() == [[1]]


def test_hybrid_blends_parts_by_weight():
    class Fixed:
        def __init__(self, values: list[float]) -> None:
            self.values = np.array(values, np.float32)

        def score(self, rows, users=None):
            return np.tile(self.values, (rows.shape[0], 1))

    rows = sparse.csr_matrix((1, 3), dtype=np.float32)
    parts = {"a": Fixed([3, 2, 1]), "b": Fixed([1, 2, 30])}
    assert rank(Hybrid(parts, {"a": 1.0, "b": 0.0}), rows, k=1, exclude=rows).tolist() == [[0]]
    assert rank(Hybrid(parts, {"a": 1.0, "b": 2.0}), rows, k=1, exclude=rows).tolist() == [[2]]


def test_mmr_trades_relevance_for_variety_and_pages_continue():
    # Items 0 and 1 are alike (same direction), item 2 points elsewhere.
    space = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], np.float32)
    scores = np.array([1.0, 0.9, 0.5, 0.1])
    order = np.array([0, 1, 2, 3])
    assert mmr(order, scores, space, 0.0, 3) == [0, 1, 2]
    assert mmr(order, scores, space, 0.7, 2) == [0, 2]  # the twin of the first waits
    # Page 2 of a diversified ranking continues page 1 exactly.
    rng = np.random.default_rng(1)
    big = rng.normal(size=(400, 8)).astype(np.float32)
    big /= np.linalg.norm(big, axis=1, keepdims=True)
    values = rng.random(400)
    ranking = np.argsort(-values)
    whole = diversified(values, ranking, big, 0.4, 20)
    assert diversified(values, ranking, big, 0.4, 10) == whole[:10]
    assert len(set(diversified(values, ranking, big, 0.4, 80))) == 80
    # Intra-list diversity: 1 - mean pairwise similarity.
    assert intra_list_diversity(np.array([0, 1]), space) == pytest.approx(0.0)
    assert intra_list_diversity(np.array([0, 2]), space) == pytest.approx(1.0)
    assert intra_list_diversity(np.array([0]), space) == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_cholesky_inverse_equals_the_general_one(dtype):
    rng = np.random.default_rng(3)
    x = (rng.random((300, 120)) < 0.1).astype(dtype)
    gram = x.T @ x + 25 * np.eye(120, dtype=dtype)
    expected = np.linalg.inv(gram)
    inverse = spd_inverse(gram.copy())
    assert inverse.dtype == dtype
    np.testing.assert_allclose(inverse, expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(inverse, inverse.T)


def test_the_cholesky_inverse_refuses_a_matrix_that_is_not_positive_definite():
    with pytest.raises(np.linalg.LinAlgError):
        spd_inverse(np.array([[1.0, 2.0], [2.0, 1.0]]))
