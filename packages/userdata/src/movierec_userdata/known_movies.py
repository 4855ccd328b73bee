"""The movies a user-data service accepts writes for, fed by movie.upserted / movie.deleted."""

from __future__ import annotations

from sqlalchemy import Integer, Text, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.db import unnest
from movierec_common.errors import NotFoundError
from movierec_common.events import Event, MovieDeleted, MovieUpserted
from movierec_userdata.tables import known_movie


class UnknownMovieError(NotFoundError):
    def __init__(self, movie_id: int) -> None:
        super().__init__(f"Movie {movie_id} not found.")


async def require_known_movie(session: AsyncSession, movie_id: int) -> None:
    found = await session.execute(
        select(known_movie.c.movie_id).where(known_movie.c.movie_id == movie_id)
    )
    if found.first() is None:
        raise UnknownMovieError(movie_id)


async def add_known_movies(session: AsyncSession, movies: dict[int, str]) -> None:
    """Record movies as known (tests and tools; services learn them from events)."""
    rows = unnest(movie_id=(Integer(), list(movies)), title=(Text(), list(movies.values())))
    await session.execute(
        pg_insert(known_movie)
        .from_select(["movie_id", "title"], select(rows.c.movie_id, rows.c.title))
        .on_conflict_do_nothing()
    )


async def known_movie_ids(session: AsyncSession) -> set[int]:
    return set((await session.execute(select(known_movie.c.movie_id))).scalars())


async def movie_upserted(session: AsyncSession, event: Event) -> None:
    data: MovieUpserted = event.data()
    insert = pg_insert(known_movie).values(movie_id=data.movie_id, title=data.title)
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=[known_movie.c.movie_id], set_={"title": insert.excluded.title}
        )
    )


async def movie_deleted(session: AsyncSession, event: Event) -> None:
    data: MovieDeleted = event.data()
    await session.execute(delete(known_movie).where(known_movie.c.movie_id == data.movie_id))
