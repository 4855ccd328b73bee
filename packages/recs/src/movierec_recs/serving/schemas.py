"""The recommendation API's response shapes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field, field_validator


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
    recommendation_id: str | None = Field(
        default=None,
        description="Names this page in feedback (personal recommendations only).",
    )
    diversity: float | None = Field(default=None, description="The diversity it was ranked at.")
    experiment: str | None = Field(
        default=None, description="The experiment that served it, if the user is in one."
    )
    variant: str | None = Field(default=None, description="The experiment's variant.")


#: Most feedback items in one request.
MAX_FEEDBACK = 100


class FeedbackIn(BaseModel):
    recommendation_id: str = Field(min_length=20, max_length=1000)
    movie_id: int = Field(ge=1, le=2_147_483_647)
    kind: Literal["impression", "click", "dismiss"] = Field(
        description="impression: shown on screen; click: opened; dismiss: not interested"
        " (as PUT /recommendations/dismissals/{movie_id})."
    )


class FeedbackOut(BaseModel):
    recorded: int = Field(description="Items recorded now.")
    replayed: int = Field(description="Items recorded before (ignored).")


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


class VariantIn(BaseModel):
    name: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.-]*$")
    strategy: Strategy
    diversity: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Variety traded for relevance (0–1); left out: the service's default"
        " (MOVIEREC_RECS_DIVERSITY), stored with the experiment.",
    )
    weight: float = Field(default=1.0, gt=0, le=100, description="Share of the traffic.")


class VariantOut(VariantIn):
    diversity: float = Field(ge=0, le=1, description="Variety traded for relevance (0–1).")


class ExperimentIn(BaseModel):
    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.:-]*$")
    description: str = Field(default="", max_length=2000)
    variants: list[VariantIn] = Field(
        min_length=2, max_length=4, description="2–4; the first is the control."
    )

    @field_validator("variants")
    @classmethod
    def _distinct(cls, variants: list[VariantIn]) -> list[VariantIn]:
        names = [v.name for v in variants]
        if len(set(names)) != len(names):
            raise ValueError("variant names must differ")
        return variants


ExperimentStatus = Literal["draft", "running", "stopped"]


class ExperimentOut(BaseModel):
    experiment_id: int
    name: str
    description: str
    status: ExperimentStatus
    variants: list[VariantOut]
    created_at: datetime
    started_at: datetime | None
    stopped_at: datetime | None


class Interval(BaseModel):
    value: float | None = Field(description="Null without data.")
    low: float | None = Field(description="95 % confidence interval (delta method over users).")
    high: float | None


class VariantResults(VariantOut):
    users: int = Field(description="Users exposed (served by this variant at least once).")
    impressions: int
    clicks: int
    watches: int = Field(description="Watches credited to its recommendations.")
    ratings: int = Field(description="Ratings credited to its recommendations.")
    dismissals: int
    metrics: dict[str, Interval] = Field(
        description="click_through_rate, watch_rate, rating_rate, dismissal_rate (per"
        " impression) and mean_rating (of the credited ratings)."
    )


class Comparison(BaseModel):
    variant: str
    against: str
    p_value: float = Field(description="Always-valid (mSPRT): safe to read at any time.")
    significant: bool


class Verdict(BaseModel):
    primary_metric: str
    method: str
    alpha: float
    decided: bool
    winner: str | None
    text: str
    comparisons: list[Comparison]


class ExperimentResults(BaseModel):
    experiment_id: int
    name: str
    status: ExperimentStatus
    started_at: datetime | None
    stopped_at: datetime | None
    variants: list[VariantResults]
    verdict: Verdict
