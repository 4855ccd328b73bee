"""Request and response bodies of the history API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator


class WatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    movie_id: int = Field(ge=1, le=2_147_483_647)
    watched_at: AwareDatetime | None = Field(
        default=None, description="When you watched it (with a time zone); default: now."
    )

    @field_validator("watched_at")
    @classmethod
    def _plausible(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return value
        if value > datetime.now(UTC) + timedelta(minutes=5):
            raise ValueError("must not be in the future")
        if value.year < 1870:
            raise ValueError("must not be before 1870")
        return value


class WatchOut(BaseModel):
    id: uuid.UUID
    movie_id: int
    title: str | None
    watched_at: datetime
