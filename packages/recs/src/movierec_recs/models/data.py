"""Interactions and item features from MovieLens-style files."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

_YEAR = re.compile(r"\((\d{4})(?:[-–]\d{0,4})?\)\s*$")


@dataclass
class Interactions:
    """Ratings as parallel arrays over dense user and item indices."""

    users: np.ndarray  # int32 user index
    items: np.ndarray  # int32 item index
    scores: np.ndarray  # float32 (0 for a watch without a rating)
    times: np.ndarray  # int64 unix seconds

    def __len__(self) -> int:
        return len(self.users)

    @classmethod
    def empty(cls) -> Interactions:
        return cls(
            np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.float32),
            np.zeros(0, np.int64),
        )  # fmt: skip

    def subset(self, mask: np.ndarray) -> Interactions:
        return Interactions(self.users[mask], self.items[mask], self.scores[mask], self.times[mask])

    def matrix(self, n_users: int, n_items: int, *, values: str = "binary") -> sparse.csr_matrix:
        data = np.ones(len(self), np.float32) if values == "binary" else self.scores
        m = sparse.csr_matrix(
            (data, (self.users, self.items)), shape=(n_users, n_items), dtype=np.float32
        )
        m.sum_duplicates()
        if values == "binary":
            m.data[:] = 1.0
        return m


@dataclass
class Dataset:
    """A catalog (all movies of movies.csv) and the interactions on it."""

    item_ids: np.ndarray  # movieId per item index
    titles: list[str]
    years: np.ndarray  # int16, 0 when unknown
    genres: list[list[str]]
    tags: list[list[str]]
    user_ids: np.ndarray  # external userId per user index
    interactions: Interactions
    item_index: dict[int, int] = field(default_factory=dict)
    #: External user id (a MovieLens userId, or the service's user UUID as text) → index.
    user_index: dict[Any, int] = field(default_factory=dict)
    #: Per item, "director:Name" / "actor:Name" features when the catalog knows them.
    people: list[list[str]] = field(default_factory=list)
    #: Per item, its description when the catalog has one (its terms become features).
    descriptions: list[str] = field(default_factory=list)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def n_users(self) -> int:
        return len(self.user_ids)


def load_movielens(ratings: Path, movies: Path, *, tags: Path | None = None) -> Dataset:
    """Read ratings.csv (integer or half scores) and movies.csv (+ optional tags.csv)."""
    item_ids, titles, years, genres = [], [], [], []
    with movies.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            item_ids.append(int(row["movieId"]))
            titles.append(row["title"])
            match = _YEAR.search(row["title"])
            years.append(int(match.group(1)) if match else 0)
            genres.append([g for g in row["genres"].split("|") if g and g != "(no genres listed)"])
    item_index = {m: i for i, m in enumerate(item_ids)}
    tag_lists: list[list[str]] = [[] for _ in item_ids]
    if tags is not None and tags.is_file():
        with tags.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                idx = item_index.get(int(row["movieId"]))
                tag = row["tag"].strip().lower()
                if idx is not None and tag and tag not in tag_lists[idx]:
                    tag_lists[idx].append(tag)
    users, items, scores, times = [], [], [], []
    user_index: dict[int, int] = {}
    with ratings.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            idx = item_index.get(int(row["movieId"]))
            if idx is None:
                continue
            uid = int(row["userId"])
            users.append(user_index.setdefault(uid, len(user_index)))
            items.append(idx)
            scores.append(float(row["rating"]))
            times.append(int(float(row.get("timestamp") or 0)))
    user_ids = np.zeros(len(user_index), np.int64)
    for uid, i in user_index.items():
        user_ids[i] = uid
    return Dataset(
        item_ids=np.asarray(item_ids, np.int64),
        titles=titles,
        years=np.asarray(years, np.int16),
        genres=genres,
        tags=tag_lists,
        user_ids=user_ids,
        interactions=Interactions(
            np.asarray(users, np.int32),
            np.asarray(items, np.int32),
            np.asarray(scores, np.float32),
            np.asarray(times, np.int64),
        ),
        item_index=item_index,
        user_index=user_index,
    )


@dataclass
class FeatureSpace:
    """The item-feature vocabulary (genres, decades, frequent tags, directors, actors,
    description terms) with its IDF weights, fitted on a catalog; it also maps movies added
    later into the same space, which is how items unseen at training time are scored from
    their features."""

    names: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(cls, dataset: Dataset, *, min_count: int = 2) -> FeatureSpace:
        counts: dict[str, int] = {}
        for i in range(dataset.n_items):
            for name in set(_raw_features(dataset, i)):
                counts[name] = counts.get(name, 0) + 1
        # Genres and decades always count; a tag or a person must be shared by two movies
        # to say anything about similarity.
        # Sorted: the column order must not depend on the process's string hashing, or a
        # fit with a fixed seed would differ from one process to the next.
        names: dict[str, int] = {}
        for name in sorted(counts):
            if counts[name] >= min_count or name.startswith(("genre:", "decade:")):
                names[name] = len(names)
        df = np.zeros(len(names), np.float64)
        for name, index in names.items():
            df[index] = counts[name]
        idf = (np.log((1 + dataset.n_items) / (1 + df)) + 1).astype(np.float32)
        return cls(names=names, idf=idf)

    def transform(self, dataset: Dataset, items: Sequence[int] | None = None) -> sparse.csr_matrix:
        """Rows of ``items`` (default all), TF-IDF weighted and L2-normalised."""
        items = items if items is not None else range(dataset.n_items)
        rows, cols = [], []
        for row, i in enumerate(items):
            for name in dict.fromkeys(_raw_features(dataset, i)):
                col = self.names.get(name)
                if col is not None:
                    rows.append(row)
                    cols.append(col)
        m = sparse.csr_matrix(
            (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(items), len(self.names))
        )
        m = m @ sparse.diags(self.idf)
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        return sparse.csr_matrix(sparse.diags(1 / norms) @ m, dtype=np.float32)


def _raw_features(dataset: Dataset, i: int) -> list[str]:
    names = [f"genre:{g}" for g in dataset.genres[i]]
    if dataset.years[i]:
        names.append(f"decade:{dataset.years[i] // 10 * 10}")
    names.extend(f"tag:{t}" for t in dataset.tags[i])
    if dataset.people:
        names.extend(dataset.people[i])
    if dataset.descriptions and dataset.descriptions[i]:
        names.extend(f"term:{t}" for t in description_terms(dataset.descriptions[i]))
    return names


_WORD = re.compile(r"[a-z][a-z'-]{3,}")
#: Frequent English words that say nothing about a film (terms need 4+ letters anyway).
_STOPWORDS = (
    "about after again against also among another around back because been before being"
    " between both come comes could does down during each even ever every first from"
    " gets give goes have having into just know life like live lives long made make makes"
    " many more most much must never only other over own same should some such take takes"
    " than that their them then there these they this those through time together under"
    " until upon very want what when where which while will with within without world"
    " would year years young your"
)
STOPWORDS = frozenset(_STOPWORDS.split())


def description_terms(text: str) -> list[str]:
    """The words of a description that can describe a film: lower case, 4+ letters, no
    stop words, each once."""
    words = (w.removesuffix("'s").strip("'-") for w in _WORD.findall(text.lower()))
    return list(dict.fromkeys(w for w in words if len(w) >= 4 and w not in STOPWORDS))


def item_features(dataset: Dataset) -> tuple[sparse.csr_matrix, FeatureSpace]:
    """The feature rows of every item and the space they live in."""
    space = FeatureSpace.fit(dataset)
    return space.transform(dataset), space
