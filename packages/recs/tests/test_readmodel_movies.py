"""The recs read model of movies, applied in bulk from movie.upserted."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from sqlalchemy import select

from movierec_common.db import Database
from movierec_recs.readmodel import repository
from movierec_recs.readmodel.repository import Movie
from movierec_recs.spec import spec
from movierec_recs.tables import movie


@pytest_asyncio.fixture(loop_scope="session")
async def database(test_run) -> AsyncIterator[Database]:
    """A recs database of its own: the shared one serves the synthetic world of the other
    tests, which must not see these movies."""
    url = await test_run.create_database("recs_movies", migrations=spec.version_folders)
    database = Database(url, pool_size=2)
    yield database
    await database.dispose()


async def test_movies_upserted_in_one_statement_last_version_wins(database):
    async with database.transaction() as session:
        await repository.upsert_movies(
            session,
            [
                Movie(movie_id=90_001, title="Draft", year=1999, genres=["Drama"]),
                Movie(movie_id=90_002, title="Other", year=None, tags=['it\'s "quoted"']),
                Movie(
                    movie_id=90_001,
                    title="Final",
                    year=2000,
                    genres=["Drama", "Sci-Fi"],
                    actors=["A. Actor"],
                    directors=["D. Rector"],
                    description="Twice in one batch",
                ),
            ],
        )
        await repository.delete_movie(session, 90_002)
    async with database.transaction() as session:
        before = (
            await session.execute(select(movie.c.revision).where(movie.c.movie_id == 90_002))
        ).scalar_one()
        await repository.upsert_movies(session, [Movie(movie_id=90_002, title="Back", year=2001)])
    async with database.transaction() as session:
        rows = {
            r.movie_id: r
            for r in await session.execute(select(movie).where(movie.c.movie_id >= 90_001))
        }
    final = rows[90_001]
    assert (final.title, final.year, final.genres, final.actors, final.directors) == (
        "Final",
        2000,
        ["Drama", "Sci-Fi"],
        ["A. Actor"],
        ["D. Rector"],
    )
    assert final.description == "Twice in one batch"
    back = rows[90_002]
    assert (back.title, back.deleted, back.tags) == ("Back", False, [])
    assert back.revision > before
