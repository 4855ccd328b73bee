"""The fitted strategies together: tuning, fitting, scoring with reasons, saving.

Strategies (all score users by fold-in from their current interactions):

* ``popular`` — popularity decayed relative to the newest event, times a Bayesian-average
  rating; restricted to genres for cold starts and genre filters;
* ``history`` — content-based: items similar (genres, decades, tags, people) to what the
  user watched, a popularity prior choosing among equally similar ones;
* ``ratings`` — collaborative filtering on the rating matrix (EASE on scores);
* ``hybrid`` (default) — a per-user z-score blend of EASE on ratings, LightFM (WARP, item features),
  content similarity and a novelty term, weights tuned on a validation split.
"""

from __future__ import annotations

import io
import itertools
import json
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from movierec_recs.models.data import Dataset, FeatureSpace, Interactions, item_features
from movierec_recs.models.diversity import POOL, diversified, item_space
from movierec_recs.models.evaluation import evaluate_rankings, holdout_split, relevant_items
from movierec_recs.models.strategies import (
    CALIBRATION,
    Content,
    Ease,
    Hybrid,
    LightFMModel,
    MostPopular,
    PopularityPenalty,
    Scorer,
    rank,
)

STRATEGIES = ("hybrid", "history", "ratings", "popular")
#: The hybrid's EASE keeps each item's strongest weights only (a sparse matrix ~40× smaller
#: than the dense one, to store and to serve).
EASE_KEEP = 1024
EASE_L2_GRID = (100.0, 250.0, 500.0, 1000.0)
DEFAULT_WEIGHTS = {
    "ratings": 1.0,
    "lightfm": 1.5,
    "novelty": 1.8,
    "content": 0.2,
    CALIBRATION: -0.15,
}
WEIGHT_GRID = {
    "lightfm": (0.0, 1.5, 2.0),
    "novelty": (1.8, 2.0),
    "content": (0.2,),
    CALIBRATION: (-0.15, -0.3),
}
#: ``history``: similarity to what the user watched, with a popularity prior choosing among
#: similar movies (measured on ml-latest-small: NDCG@10 0.010 → 0.088 with weight 0.3).
HISTORY_WEIGHTS = {"content": 1.0, "popular": 0.3}
#: Movies similar to one movie: co-ratings, learned item vectors and features, without the
#: hybrid's novelty term (a movie's neighbours should be close to it, not merely rare).
SIMILAR_WEIGHTS = {"ratings": 1.0, "lightfm": 0.5, "content": 0.5}
#: How much variety the served lists trade relevance for (maximal marginal relevance, see
#: models.diversity); measured on ml-latest-small in the README's evaluate table.
DEFAULT_DIVERSITY = 0.1
#: Coverage@k the hybrid aims at on the test split.
MIN_COVERAGE = 0.07
#: The validation split is fitted on 80 % of the training part: fewer users and items seen
#: lower coverage about proportionally (measured: ×0.86 on ml-latest-small), so the tuned
#: blends must reach this share of the target there.
VALIDATION_COVERAGE_SHARE = 0.95

Progress = Callable[[str], None]


def evaluate_scorer(
    model: Scorer,
    dataset: Dataset,
    train: Interactions,
    test: Interactions,
    k: int,
    *,
    space: np.ndarray | None = None,
    diversity: float = 0.0,
) -> dict[str, float]:
    """Rank every unrated movie for each user with a relevant held-out movie; the metrics.

    With an item ``space`` (:func:`~movierec_recs.models.diversity.item_space`) the lists
    are re-ranked at ``diversity`` as served, and intra-list diversity and novelty are
    measured too."""
    relevant = relevant_items(test)
    users = np.array(sorted(relevant), dtype=np.int64)
    x = train.matrix(dataset.n_users, dataset.n_items, values="rating")
    depth = max(k, POOL) if space is not None and diversity > 0 else k
    rankings: dict[int, np.ndarray] = {}
    for start in range(0, len(users), 256):
        chunk = users[start : start + 256]
        rows = x[chunk]
        tops = rank(model, rows, k=depth, exclude=rows, users=chunk)
        scores = model.score(rows, chunk) if depth > k else None
        for n, (user, order) in enumerate(zip(chunk, tops, strict=True)):
            rankings[int(user)] = (
                np.asarray(diversified(scores[n], order, space, diversity, k))
                if scores is not None and space is not None
                else order
            )
    # How many users have each item in the training part (one row per user and item).
    counts = np.bincount(train.items, minlength=dataset.n_items)
    return evaluate_rankings(
        rankings, relevant, k=k, n_items=dataset.n_items, space=space,
        popularity=(counts, dataset.n_users),
    ).as_dict()  # fmt: skip


@dataclass
class ModelBundle:
    """Every strategy fitted on the same data."""

    dataset: Dataset
    parts: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    ease_l2: float = 250.0
    seed: int = 42
    fit_seconds: float = 0.0
    space: FeatureSpace | None = None
    #: Per genre, which items have it (computed on first use; the catalog is fixed).
    genre_items: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    #: Rows whose dot products are item similarities (computed on first use).
    similarity: np.ndarray | None = field(default=None, repr=False)

    def item_space(self) -> np.ndarray:
        """See :func:`~movierec_recs.models.diversity.item_space`."""
        if self.similarity is None:
            self.similarity = item_space(self.dataset.genres, self.parts["lightfm"].item_vectors)
        return self.similarity

    def require_space(self) -> FeatureSpace:
        """The item-feature space (every fitted bundle has one)."""
        if self.space is None:
            raise ValueError("this bundle was not fitted: it has no feature space")
        return self.space

    def has_genre(self, genre: str) -> np.ndarray:
        mask = self.genre_items.get(genre)
        if mask is None:
            mask = np.array([genre in g for g in self.dataset.genres], dtype=bool)
            self.genre_items[genre] = mask
        return mask

    @classmethod
    def fit(
        cls,
        dataset: Dataset,
        train: Interactions,
        *,
        seed: int = 42,
        ease_l2: float = 250.0,
        weights: dict[str, float] | None = None,
        progress: Progress | None = None,
    ) -> ModelBundle:
        started = time.perf_counter()
        note = progress or (lambda _: None)
        features, space = item_features(dataset)
        bundle = cls(
            dataset=dataset,
            weights=dict(weights or DEFAULT_WEIGHTS),
            ease_l2=ease_l2,
            seed=seed,
            space=space,
        )
        note("popularity")
        bundle.parts["popular"] = MostPopular().fit(dataset, train)
        bundle.parts["novelty"] = PopularityPenalty().fit(dataset, train)
        note("content")
        bundle.parts["content"] = Content().fit(dataset, train, features)
        note("ease (ratings)")
        bundle.parts["ratings"] = Ease(l2=ease_l2, values="rating", keep=EASE_KEEP).fit(
            dataset, train
        )
        note("lightfm")
        bundle.parts["lightfm"] = LightFMModel(seed=seed).fit(dataset, train, features)
        bundle.fit_seconds = time.perf_counter() - started
        return bundle

    def strategy(self, name: str, *, weights: dict[str, float] | None = None) -> Scorer:
        if name == "popular":
            return self.parts["popular"]
        if name == "history":
            return Hybrid(self.parts, HISTORY_WEIGHTS)
        if name == "ratings":
            return self.parts["ratings"]
        if name == "hybrid":
            return Hybrid(self.parts, weights or self.weights)
        if name == "similar":
            return Hybrid(self.parts, SIMILAR_WEIGHTS)
        raise ValueError(f"unknown strategy {name!r}; choose from {', '.join(STRATEGIES)}")


def tune(
    dataset: Dataset, train: Interactions, *, k: int, seed: int, progress: Progress | None = None
) -> tuple[float, dict[str, float], dict[str, float]]:
    """On a validation split of ``train``: EASE's λ, then the hybrid's weights with and
    without LightFM (best NDCG among blends reaching the coverage target, if any does)."""
    note = progress or (lambda _: None)
    inner = holdout_split(train, seed=seed + 1)
    best_l2, best = EASE_L2_GRID[0], -1.0
    for l2 in EASE_L2_GRID:
        note(f"tuning EASE λ={l2:g}")
        ndcg = evaluate_scorer(
            Ease(l2=l2).fit(dataset, inner.train), dataset, inner.train, inner.test, k
        )["ndcg"]
        if ndcg > best:
            best, best_l2 = ndcg, l2
    note("tuning the blend")
    bundle = ModelBundle.fit(dataset, inner.train, seed=seed, ease_l2=best_l2)
    scored = []
    for values in itertools.product(*WEIGHT_GRID.values()):
        weights = {"ratings": 1.0, **dict(zip(WEIGHT_GRID, values, strict=True))}
        metrics = evaluate_scorer(
            bundle.strategy("hybrid", weights=weights), dataset, inner.train, inner.test, k
        )
        scored.append((weights, metrics))

    def choose(candidates: list[tuple[dict, dict]]) -> dict[str, float]:
        target = MIN_COVERAGE * VALIDATION_COVERAGE_SHARE
        covered = [c for c in candidates if c[1]["coverage"] >= target]
        pool = covered or candidates
        return max(pool, key=lambda c: c[1]["ndcg"])[0]

    with_lightfm = choose(scored)
    without = choose([c for c in scored if c[0]["lightfm"] == 0.0])
    return best_l2, with_lightfm, without


def to_bytes(bundle: ModelBundle, *, meta: dict[str, Any]) -> bytes:
    """A versioned artifact: one compressed ``.npz`` with the arrays and a JSON manifest."""
    parts = bundle.parts
    dataset, space = bundle.dataset, bundle.require_space()
    arrays: dict[str, np.ndarray] = {
        "item_ids": dataset.item_ids,
        "user_ids": np.asarray([str(u) for u in dataset.user_ids], dtype=str),
        "popular": parts["popular"].item_scores,
        "novelty": parts["novelty"].values,
        "novelty_users": np.asarray([parts["novelty"].users_mean, parts["novelty"].users_std]),
        "ratings_items": parts["ratings"].items,
        "lightfm_vectors": parts["lightfm"].item_vectors,
        "lightfm_biases": parts["lightfm"].item_biases,
        "lightfm_users": parts["lightfm"].user_vectors,
        "lightfm_feature_vectors": parts["lightfm"].feature_vectors,
        "lightfm_feature_biases": parts["lightfm"].feature_biases,
        "feature_names": np.asarray(list(space.names), dtype=str),
        "feature_idf": space.idf,
    }
    _put_sparse(arrays, "content", parts["content"].features)
    _put_sparse(arrays, "ratings_weights", sparse.csr_matrix(parts["ratings"].weights))
    manifest = {
        **meta,
        "weights": bundle.weights,
        "ease_l2": bundle.ease_l2,
        "seed": bundle.seed,
        "fit_seconds": round(bundle.fit_seconds, 2),
        "items": int(dataset.n_items),
        "users": int(dataset.n_users),
        "interactions": len(dataset.interactions),
    }
    arrays["manifest"] = np.asarray(json.dumps(manifest))
    return _npz(arrays)


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    """``arrays`` as a compressed ``.npz`` (what ``np.load`` reads), deflated at level 1:
    numpy's ``savez_compressed`` deflates at zlib's default level, 2.4 s for the 36 MB
    ml-latest-small artifact against 1.1 s here, for a file 2.6 % larger (the EASE
    weights, most of it, are floats that barely compress) that loads in 0.21–0.28 s
    against 0.19 s."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, array in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def forget_users(raw: bytes, users: set[str]) -> bytes | None:
    """The artifact ``raw`` without what it learned of ``users`` (deleted accounts): their
    ids blanked and their LightFM vectors zeroed, everything else as it was. None when it
    holds none of them."""
    with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    ids = arrays["user_ids"]
    rows = [i for i, u in enumerate(ids) if str(u) in users]
    if not rows:
        return None
    ids = ids.copy()
    ids[rows] = ""
    vectors = arrays["lightfm_users"].copy()
    vectors[rows] = 0
    arrays.update(user_ids=ids, lightfm_users=vectors)
    return _npz(arrays)


def from_bytes(raw: bytes) -> tuple[ModelBundle, dict[str, Any]]:
    """The bundle saved by :func:`to_bytes` (its dataset holds ids only, no catalog) and
    its manifest."""
    with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
        a = {name: npz[name] for name in npz.files}
    manifest = json.loads(str(a["manifest"]))
    item_ids = a["item_ids"].astype(np.int64)
    n_items = len(item_ids)
    user_ids = a["user_ids"]
    dataset = Dataset(
        item_ids=item_ids,
        titles=[""] * n_items,
        years=np.zeros(n_items, np.int16),
        genres=[[] for _ in range(n_items)],
        tags=[[] for _ in range(n_items)],
        user_ids=user_ids,
        interactions=Interactions.empty(),
        item_index={int(m): i for i, m in enumerate(item_ids)},
        user_index={str(u): i for i, u in enumerate(user_ids)},
    )
    space = FeatureSpace(
        names={str(n): i for i, n in enumerate(a["feature_names"])}, idf=a["feature_idf"]
    )
    # (artifacts stored before the per-user novelty calibration have none: it stays off)
    users_mean, users_std = (float(x) for x in a.get("novelty_users", (0.0, 0.0)))
    parts: dict[str, Any] = {
        "popular": MostPopular(item_scores=a["popular"]),
        "novelty": PopularityPenalty(
            values=a["novelty"], users_mean=users_mean, users_std=users_std
        ),
        "content": Content(features=_get_sparse(a, "content")),
        "ratings": Ease(
            l2=manifest["ease_l2"],
            values="rating",
            keep=EASE_KEEP,
            items=a["ratings_items"],
            weights=_get_sparse(a, "ratings_weights"),
            n_items=n_items,
        ),
        "lightfm": LightFMModel(
            item_vectors=a["lightfm_vectors"],
            item_biases=a["lightfm_biases"],
            user_vectors=a["lightfm_users"],
            feature_vectors=a["lightfm_feature_vectors"],
            feature_biases=a["lightfm_feature_biases"],
        ),
    }
    bundle = ModelBundle(
        dataset=dataset,
        parts=parts,
        weights=manifest["weights"],
        ease_l2=manifest["ease_l2"],
        seed=manifest["seed"],
        fit_seconds=manifest["fit_seconds"],
        space=space,
    )
    return bundle, manifest


def _put_sparse(arrays: dict[str, np.ndarray], name: str, m: sparse.csr_matrix) -> None:
    arrays.update(
        {
            f"{name}_data": m.data.astype(np.float32),
            f"{name}_indices": m.indices,
            f"{name}_indptr": m.indptr,
            f"{name}_shape": np.asarray(m.shape),
        }
    )


def _get_sparse(a: dict[str, np.ndarray], name: str) -> sparse.csr_matrix:
    return sparse.csr_matrix(
        (a[f"{name}_data"], a[f"{name}_indices"], a[f"{name}_indptr"]),
        shape=tuple(int(x) for x in a[f"{name}_shape"]),
    )


def save(bundle: ModelBundle, path: Path, *, meta: dict[str, Any]) -> None:
    """:func:`to_bytes` to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_bytes(bundle, meta=meta))


def with_catalog(bundle: ModelBundle, catalog: Dataset) -> tuple[ModelBundle, np.ndarray]:
    """The bundle over the current catalog, and which of its items may be recommended.

    Trained items keep their positions (titles and genres from the catalog); movies the
    model has not seen are appended and scored from their features; trained items no longer
    in the catalog stay in place but are marked unavailable."""
    trained = bundle.dataset
    new = [i for i, m in enumerate(catalog.item_ids) if int(m) not in trained.item_index]
    n_trained = trained.n_items
    n = n_trained + len(new)
    titles = [""] * n
    years = np.zeros(n, np.int16)
    genres: list[list[str]] = [[] for _ in range(n)]
    available = np.zeros(n, bool)
    position = {int(m): i for i, m in enumerate(trained.item_ids)}
    for offset, i in enumerate(new):
        position[int(catalog.item_ids[i])] = n_trained + offset
    for i, movie_id in enumerate(catalog.item_ids):
        j = position[int(movie_id)]
        titles[j] = catalog.titles[i]
        years[j] = catalog.years[i]
        genres[j] = catalog.genres[i]
        available[j] = True
    item_ids = np.concatenate(
        [trained.item_ids, np.asarray([catalog.item_ids[i] for i in new], np.int64)]
    )
    features = bundle.require_space().transform(catalog, new)
    parts = dict(bundle.parts)
    if new:
        for name in ("popular", "novelty", "content", "ratings", "lightfm"):
            parts[name] = parts[name].extend(features)
    dataset = Dataset(
        item_ids=item_ids,
        titles=titles,
        years=years,
        genres=genres,
        tags=[[] for _ in range(n)],
        user_ids=trained.user_ids,
        interactions=trained.interactions,
        item_index={int(m): i for i, m in enumerate(item_ids)},
        user_index=trained.user_index,
    )
    served = ModelBundle(
        dataset=dataset,
        parts=parts,
        weights=bundle.weights,
        ease_l2=bundle.ease_l2,
        seed=bundle.seed,
        fit_seconds=bundle.fit_seconds,
        space=bundle.space,
    )
    served.item_space()  # (for diversity: computed here, off the serving path)
    return served, available


def genre_mask(bundle: ModelBundle, genres: list[str]) -> np.ndarray:
    """Items having every one of ``genres``."""
    mask = np.ones(bundle.dataset.n_items, bool)
    for genre in genres:
        mask &= bundle.has_genre(genre)
    return mask


def cold_start_scores(bundle: ModelBundle, favorite_genres: list[str] | None) -> np.ndarray:
    """Popular movies, in the favorite genres first when there are any."""
    scores = bundle.parts["popular"].item_scores.astype(np.float64).copy()
    if favorite_genres:
        boost = np.zeros(bundle.dataset.n_items, bool)
        for genre in favorite_genres:
            boost |= bundle.has_genre(genre)
        scores = scores + boost * (scores.max() + 1.0)
    return scores


def ranked(scores: np.ndarray, allowed: np.ndarray, start: int, stop: int) -> list[int]:
    """Items ``start..stop`` of the ranking of allowed items (ties by item order)."""
    candidates = np.flatnonzero(allowed)
    if stop < len(candidates):
        # Only the top ``stop`` need sorting: partition first, then a stable sort of those.
        values = scores[candidates]
        top = np.argpartition(-values, kth=stop - 1)[:stop]
        cut = values[top].min()
        candidates = candidates[values >= cut]
    order = candidates[np.lexsort((candidates, -scores[candidates]))]
    return [int(i) for i in order[start:stop]]


def recommend(
    bundle: ModelBundle,
    row: sparse.csr_matrix,
    *,
    strategy: str = "hybrid",
    k: int = 10,
    offset: int = 0,
    favorite_genres: list[str] | None = None,
    user: int | None = None,
    allowed: np.ndarray | None = None,
    dismissed: np.ndarray | None = None,
    diversity: float = 0.0,
) -> list[dict[str, Any]]:
    """Items ``offset..offset+k`` of one user's ranking from their current interactions,
    each with its reason; never an item in ``row``, only items ``allowed`` (default all).

    ``dismissed`` (item indices the user is not interested in) are never recommended, and
    items like them rank lower: see :func:`push_down`. ``diversity`` re-ranks the head of
    the ranking for variety (:func:`~movierec_recs.models.diversity.diversified`).

    ``user`` is the user's index at training time, if they had one. A reason is
    ``{"kind": ..., "because_of": item?}``: ``viewers_also_liked`` (the user's item whose
    co-ratings pulled this one up), ``because_you_watched`` (the user's most similar item),
    ``taste`` (the learned taste profile alone), ``popular``, ``favorite_genres``."""
    mask = np.ones(bundle.dataset.n_items, bool) if allowed is None else allowed.copy()
    mask[row.indices] = False
    if dismissed is not None and len(dismissed):
        mask[dismissed] = False
    if not row.nnz or strategy == "popular":
        # Cold users get popular movies in their favorite genres first.
        favorites = set(favorite_genres or ()) if not row.nnz else set()
        scores = push_down(bundle, cold_start_scores(bundle, sorted(favorites)), dismissed, mask)
        return [
            {
                "item": i,
                "score": float(scores[i]),
                "reason": {"kind": "favorite_genres"}
                if favorites & set(bundle.dataset.genres[i])
                else {"kind": "popular"},
            }
            for i in top(bundle, scores, mask, offset, offset + k, diversity)
        ]
    scorer = bundle.strategy(strategy)
    scores = scorer.score(row, None if user is None else np.array([user]))[0]
    scores = push_down(bundle, scores, dismissed, mask)
    items = top(bundle, scores, mask, offset, offset + k, diversity)
    reasons = explain(bundle, row, items, strategy)
    return [
        {"item": item, "score": float(scores[item]), "reason": reason}
        for item, reason in zip(items, reasons, strict=True)
    ]


def top(
    bundle: ModelBundle,
    scores: np.ndarray,
    allowed: np.ndarray,
    start: int,
    stop: int,
    diversity: float,
) -> list[int]:
    """Items ``start..stop`` of the ranking of allowed items, re-ranked for variety."""
    if diversity <= 0:
        return ranked(scores, allowed, start, stop)
    order = np.asarray(ranked(scores, allowed, 0, max(stop, POOL)), np.int64)
    return diversified(scores, order, bundle.item_space(), diversity, stop)[start:stop]


#: How far "not interested" pushes similar movies down: the most similar one loses this
#: share of the spread between the best and the worst score still allowed.
PUSH_DOWN = 0.5


def push_down(
    bundle: ModelBundle, scores: np.ndarray, dismissed: np.ndarray | None, mask: np.ndarray
) -> np.ndarray:
    """``scores`` lowered for items similar to the ``dismissed`` ones (the "similar"
    scorer, the one behind /recommendations/similar): the most alike by ``PUSH_DOWN`` of
    the spread of the allowed scores, the rest in proportion, none below the median."""
    if dismissed is None or not len(dismissed) or not mask.any():
        return scores
    row = sparse.csr_matrix(
        (np.ones(len(dismissed), np.float32), (np.zeros(len(dismissed), np.int32), dismissed)),
        shape=(1, bundle.dataset.n_items),
    )
    alike = np.asarray(bundle.strategy("similar").score(row)[0], np.float64)
    # How much more alike than the typical movie: 0 at the median of the allowed movies or
    # below, 1 for the most alike.
    typical, top = float(np.median(alike[mask])), float(alike[mask].max())
    if top <= typical:
        return scores
    closeness = np.clip((alike - typical) / (top - typical), 0.0, 1.0)
    spread = float(scores[mask].max() - scores[mask].min()) or 1.0
    return scores - PUSH_DOWN * spread * closeness


def explain(
    bundle: ModelBundle, row: sparse.csr_matrix, items: list[int], strategy: str
) -> list[dict[str, Any]]:
    """Why each of ``items`` ranks high for the user of ``row`` under ``strategy``."""
    collaborative: list[int | None] = [None] * len(items)
    if strategy in ("hybrid", "ratings"):
        collaborative = bundle.parts["ratings"].neighbours(row, items)
    content: list[int | None] = [None] * len(items)
    if strategy in ("hybrid", "history"):
        content = bundle.parts["content"].neighbours(row, items)
    reasons: list[dict[str, Any]] = []
    for by_ratings, by_content in zip(collaborative, content, strict=True):
        if by_ratings is not None:
            reasons.append({"kind": "viewers_also_liked", "because_of": by_ratings})
        elif by_content is not None:
            reasons.append({"kind": "because_you_watched", "because_of": by_content})
        else:
            reasons.append({"kind": "taste"})
    return reasons
