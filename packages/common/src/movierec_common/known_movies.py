"""The movies a service accepts writes for, fed by movie.upserted / movie.deleted."""

from __future__ import annotations

from sqlalchemy import Column, Integer, Table, Text, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.consumer import Handler
from movierec_common.db import new_metadata
from movierec_common.errors import NotFoundError
from movierec_common.events import Event, MovieDeleted, MovieUpserted

known_movie_metadata = new_metadata()

known_movie_table = Table(
    "known_movie",
    known_movie_metadata,
    Column("movie_id", Integer, primary_key=True, autoincrement=False),
    Column("title", Text, nullable=False),
)


def create_known_movie_table(connection: Connection) -> None:
    known_movie_metadata.create_all(connection)


class UnknownMovieError(NotFoundError):
    def __init__(self, movie_id: int) -> None:
        super().__init__(f"Movie {movie_id} not found.")


async def require_known_movie(session: AsyncSession, movie_id: int) -> None:
    row = await session.execute(
        text("SELECT 1 FROM known_movie WHERE movie_id = :m"), {"m": movie_id}
    )
    if row.first() is None:
        raise UnknownMovieError(movie_id)


async def add_known_movies(session: AsyncSession, movies: dict[int, str]) -> None:
    """Record movies as known (tests and tools; services learn them from events)."""
    await session.execute(
        text(
            "INSERT INTO known_movie (movie_id, title)"
            " SELECT * FROM unnest(CAST(:ids AS int[]), CAST(:titles AS text[]))"
            " ON CONFLICT (movie_id) DO NOTHING"
        ),
        {"ids": list(movies), "titles": list(movies.values())},
    )


async def known_movie_ids(session: AsyncSession) -> set[int]:
    return set((await session.execute(text("SELECT movie_id FROM known_movie"))).scalars())


async def _upserted(session: AsyncSession, event: Event) -> None:
    data: MovieUpserted = event.data()
    await session.execute(
        text(
            "INSERT INTO known_movie (movie_id, title) VALUES (:m, :t)"
            " ON CONFLICT (movie_id) DO UPDATE SET title = excluded.title"
        ),
        {"m": data.movie_id, "t": data.title},
    )


async def _deleted(session: AsyncSession, event: Event) -> None:
    data: MovieDeleted = event.data()
    await session.execute(text("DELETE FROM known_movie WHERE movie_id = :m"), {"m": data.movie_id})


#: Consumer handlers keeping ``known_movie`` in step with the catalog.
KNOWN_MOVIE_HANDLERS: dict[str, Handler] = {
    "movie.upserted": _upserted,
    "movie.deleted": _deleted,
}
