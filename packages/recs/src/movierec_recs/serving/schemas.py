"""The recommendation API's response shapes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field


class Strategy(StrEnum):
    hybrid = "hybrid"
    history = "history"
    ratings = "ratings"
    popular = "popular"


ReasonKind = Literal[
    "viewers_also_liked",
    "because_you_watched",
    "similar_content",
    "taste",
    "popular",
    "favorite_genres",
]


class Reason(BaseModel):
    kind: ReasonKind
    text: str = Field(description="Why this movie, in words a user reads.")
    movie_id: int | None = Field(
        default=None, description="The movie this one was chosen for being close to."
    )


class RecommendedMovie(BaseModel):
    movie_id: int
    title: str
    year: int | None
    genres: list[str]
    score: float
    reason: Reason


class RecommendationPage(BaseModel):
    items: list[RecommendedMovie]
    strategy: str
    model_version: str
    limit: int
    offset: int


class DismissalOut(BaseModel):
    movie_id: int
    title: str | None = Field(description="Null when the movie left the catalog.")
    dismissed_at: datetime


class ModelInfo(BaseModel):
    version: str
    trained_at: datetime
    algorithm: str
    metrics: dict[str, float] = Field(description="Offline metrics on an 80/20 split.")
    sizes: dict[str, int]
    fit_seconds: float | None = None
    training_seconds: float | None = None
    weights: dict[str, float] = Field(description="The hybrid's blend weights.")
    catalog_items: int = Field(description="Movies servable now, incl. ones added since.")
