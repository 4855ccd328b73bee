"""The movies a user-data service accepts writes for, fed by movie.upserted / movie.deleted."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Query
from sqlalchemy import ColumnElement, Integer, Table, Text, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.db import array_rows, as_record, insert_rows, unnest
from movierec_common.errors import NotFoundError
from movierec_common.events import Event, MovieDeleted, MovieUpserted
from movierec_common.pagination import page_total
from movierec_userdata.tables import known_movie

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")

#: The lists' filter to one movie (does the user have an entry of it, and which).
OfMovie = Annotated[
    int | None, Query(ge=1, le=2_147_483_647, description="Only the entries of this movie")
]


class UnknownMovieError(NotFoundError):
    def __init__(self, movie_id: int) -> None:
        super().__init__(f"Movie {movie_id} not found.")


_KNOWN = select(known_movie.c.movie_id).where(known_movie.c.movie_id == bindparam("movie_id"))


async def require_known_movie(session: AsyncSession, movie_id: int) -> None:
    """Refuse a write about a movie the catalog never announced (or deleted)."""
    found = await session.execute(_KNOWN, {"movie_id": movie_id})
    if found.first() is None:
        raise UnknownMovieError(movie_id)


async def add_known_movies(session: AsyncSession, movies: dict[int, str]) -> None:
    """Record movies as known (tests and tools; services learn them from events)."""
    rows = unnest(movie_id=(Integer(), list(movies)), title=(Text(), list(movies.values())))
    await session.execute(insert_rows(known_movie, rows).on_conflict_do_nothing())


async def titled_page(
    session: AsyncSession,
    entries: Table,
    record: type[R],
    *,
    user_id: uuid.UUID,
    order: Sequence[ColumnElement[Any]],
    limit: int,
    offset: int,
    movie_id: int | None = None,
) -> tuple[list[R], int]:
    r"""A page of the user's rows of ``entries`` in ``order``, each with its movie's title
    when the movie is known, as ``record``\ s; and how many rows the user has in all (of
    one movie only, given ``movie_id``: the user's index on (user_id, movie_id) serves it)."""
    k, mine = known_movie.c, entries.c.user_id == user_id
    if movie_id is not None:
        mine &= entries.c.movie_id == movie_id
    query = (
        select(entries, k.title, func.count().over().label("total"))
        .select_from(entries.outerjoin(known_movie, k.movie_id == entries.c.movie_id))
        .where(mine)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )

    async def count() -> int:
        total = select(func.count()).select_from(entries).where(mine)
        return int((await session.execute(total)).scalar_one())

    rows, total = await page_total((await session.execute(query)).all(), offset, count)
    return [as_record(record, row) for row in rows], total


async def known_movie_ids(session: AsyncSession) -> set[int]:
    return set((await session.execute(select(known_movie.c.movie_id))).scalars())


_known = insert_rows(known_movie, array_rows(movie_id=Integer(), title=Text()))
_SET_KNOWN = _known.on_conflict_do_update(
    index_elements=[known_movie.c.movie_id], set_={"title": _known.excluded.title}
)


async def movies_upserted(session: AsyncSession, events: list[Event]) -> None:
    """The batch handler of movie.upserted: the newest title of each movie, at once."""
    upserted: list[MovieUpserted] = [e.data() for e in events]
    titles = {d.movie_id: d.title for d in upserted}
    await session.execute(_SET_KNOWN, {"movie_id": list(titles), "title": list(titles.values())})


async def movie_deleted(session: AsyncSession, event: Event) -> None:
    data: MovieDeleted = event.data()
    await session.execute(delete(known_movie).where(known_movie.c.movie_id == data.movie_id))
