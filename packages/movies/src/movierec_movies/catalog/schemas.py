"""Request and response bodies of the movies API."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from movierec_common.genres import GenreList


def _nonblank(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("must not be blank")
    return value


Title = Annotated[str, StringConstraints(min_length=1, max_length=300), AfterValidator(_nonblank)]
PersonName = Annotated[
    str, StringConstraints(min_length=1, max_length=200), AfterValidator(_nonblank)
]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=100), AfterValidator(_nonblank)]


class Sort(StrEnum):
    relevance = "relevance"
    popularity = "popularity"
    rating = "rating"
    year = "year"
    # The API's name for the sort; it shadows str.title, which nothing here calls.
    title = "title"  # type: ignore[assignment]


class MovieSummary(BaseModel):
    id: int
    title: str
    year: int | None
    genres: list[str]
    directors: list[str]
    imdb_rating: float | None
    rating_average: float | None
    rating_count: int
    popularity: float


class MovieDetail(MovieSummary):
    description: str | None
    runtime_minutes: int | None
    imdb_id: str | None
    tmdb_id: int | None
    actors: list[str]
    tags: list[str]
    watch_count: int
    created_at: datetime
    updated_at: datetime


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MovieCreate(_Strict):
    title: Title
    year: int | None = Field(default=None, ge=1870, le=2100)
    genres: GenreList = Field(default_factory=list)
    description: str | None = Field(default=None, max_length=5000)
    runtime_minutes: int | None = Field(default=None, ge=1, le=1000)
    imdb_id: str | None = Field(default=None, pattern=r"^tt\d{7,10}$")
    tmdb_id: int | None = Field(default=None, ge=1, le=2_000_000_000)
    imdb_rating: float | None = Field(default=None, ge=1, le=10)
    actors: list[PersonName] = Field(default_factory=list, max_length=50)
    directors: list[PersonName] = Field(default_factory=list, max_length=20)
    tags: list[Tag] = Field(default_factory=list, max_length=50)


class MovieUpdate(_Strict):
    title: Title | None = None
    year: int | None = Field(default=None, ge=1870, le=2100)
    genres: GenreList | None = None
    description: str | None = Field(default=None, max_length=5000)
    runtime_minutes: int | None = Field(default=None, ge=1, le=1000)
    imdb_id: str | None = Field(default=None, pattern=r"^tt\d{7,10}$")
    tmdb_id: int | None = Field(default=None, ge=1, le=2_000_000_000)
    imdb_rating: float | None = Field(default=None, ge=1, le=10)
    actors: list[PersonName] | None = Field(default=None, max_length=50)
    directors: list[PersonName] | None = Field(default=None, max_length=20)
    tags: list[Tag] | None = Field(default=None, max_length=50)


class GenreOut(BaseModel):
    name: str
    movies: int


class PersonOut(BaseModel):
    id: int
    name: str
    roles: list[str]
    movies: int


class ImportRequest(_Strict):
    data_dir: str | None = Field(
        default=None,
        max_length=1000,
        description="MovieLens folder on the server; default: the configured data folder.",
    )
    imdb_file: str | None = Field(default=None, max_length=1000)


class ImportJobOut(BaseModel):
    id: uuid.UUID
    status: str
    stage: str
    done: int
    total: int
    report: dict
    created_at: datetime
    finished_at: datetime | None
