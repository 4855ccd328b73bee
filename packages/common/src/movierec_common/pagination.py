"""Paging: the ``limit``/``offset`` parameters of every list endpoint and the envelope
``{items, total, limit, offset}`` of those that count their results."""

# No `from __future__ import annotations` here: the dependency's parameter annotations
# must be evaluated where they are defined (they close over max_offset).
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from movierec_common.db import AnyRow

T = TypeVar("T")

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_OFFSET = 1_000_000


@dataclass(frozen=True)
class PageParams:
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def page_params(
    max_offset: int = MAX_OFFSET, offset_description: str = "Items to skip."
) -> Callable[..., Awaitable[PageParams]]:
    """The dependency reading ``limit`` (1–100, default 20) and ``offset`` (0–``max_offset``)
    from the query string."""

    # Async on purpose: FastAPI runs plain `def` dependencies in a thread pool.
    async def dependency(
        limit: Annotated[
            int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1–100).")
        ] = DEFAULT_LIMIT,
        offset: Annotated[int, Query(ge=0, le=max_offset, description=offset_description)] = 0,
    ) -> PageParams:
        return PageParams(limit=limit, offset=offset)

    return dependency


PageParamsDep = Annotated[PageParams, Depends(page_params())]


async def page_total(
    rows: Sequence[AnyRow], offset: int, count: Callable[[], Awaitable[int]]
) -> tuple[list[AnyRow], int]:
    """The page's rows and the total: from the rows' ``total`` column (``count(*) OVER ()``)
    when the page has rows; only a page past the end costs a separate ``count`` query."""
    if rows:
        return list(rows), int(rows[0].total)
    if offset == 0:
        return [], 0
    return [], await count()


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(ge=0)
    limit: int = Field(ge=1, le=MAX_LIMIT)
    offset: int = Field(ge=0)

    @classmethod
    def of(cls, items: list[T], *, total: int, params: PageParams) -> "Page[T]":
        return cls(items=items, total=total, limit=params.limit, offset=params.offset)
