"""The list envelope every list endpoint shares: ``{items, total, limit, offset}``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

T = TypeVar("T")

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


class PageParams(BaseModel):
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(default=0, ge=0)


async def page_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1–100).")
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageParamsDep = Annotated[PageParams, Depends(page_params)]


async def page_total(
    rows: list[dict[str, Any]], offset: int, count: Callable[[], Awaitable[int]]
) -> tuple[list[dict[str, Any]], int]:
    """The page and the total: from the rows' ``count(*) OVER ()`` column when the page has
    rows; only a page past the end costs a separate ``count`` query."""
    if rows:
        return rows, int(rows[0]["total"])
    if offset == 0:
        return [], 0
    return [], await count()


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(ge=0)
    limit: int = Field(ge=1, le=MAX_LIMIT)
    offset: int = Field(ge=0)

    @classmethod
    def of(cls, items: list[T], *, total: int, params: PageParams) -> Page[T]:
        return cls(items=items, total=total, limit=params.limit, offset=params.offset)
