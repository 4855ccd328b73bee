"""Request and response bodies of the ratings API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

#: 0.5 to 5.0 in steps of 0.5; strings and booleans are refused.
Score = Annotated[float, Field(strict=True, ge=0.5, le=5.0, multiple_of=0.5)]


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: Score = Field(description="0.5 to 5.0 in steps of 0.5")


class RatingOut(BaseModel):
    movie_id: int
    title: str | None
    score: float
    rated_at: datetime


class RatingSort(StrEnum):
    date = "date"
    score = "score"


class RatingSummaryOut(BaseModel):
    movie_id: int
    count: int
    average: float | None
    histogram: dict[str, int] = Field(description="How many ratings of each score, '0.5' … '5.0'.")
