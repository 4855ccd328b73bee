"""Experiments: variants of the default feed, users bucketed by a hash.

A user's variant is a pure function of the experiment id and the user id (SHA-256 of
both, read as a number in [0, 1) and placed among the variants' cumulative weights):
every replica and every request gives the same answer, with nothing stored to look up.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    name: str
    strategy: str
    diversity: float
    weight: float


@dataclass(frozen=True)
class Experiment:
    experiment_id: int
    name: str
    variants: tuple[Variant, ...]

    def bucket(self, user_id: uuid.UUID) -> int:
        """The index of the user's variant."""
        return bucket(self.experiment_id, user_id, [v.weight for v in self.variants])


def bucket(experiment_id: int, user_id: uuid.UUID, weights: list[float]) -> int:
    digest = hashlib.sha256(f"{experiment_id}:{user_id}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64 * sum(weights)
    total = 0.0
    for index, weight in enumerate(weights):
        total += weight
        if point < total:
            return index
    return len(weights) - 1
