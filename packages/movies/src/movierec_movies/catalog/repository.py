"""Queries of the movies service. Every value is a bound parameter; filters and sorts are
chosen from fixed SQL fragments, never built from input."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Text,
    Uuid,
    any_,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.db import as_record, insert_rows, unnest
from movierec_common.pagination import page_total
from movierec_movies.catalog.importer import MovieRecord
from movierec_movies.catalog.schemas import Sort
from movierec_movies.catalog.text import fold
from movierec_movies.tables import (
    counted_watch,
    genre,
    import_job,
    movie,
    movie_genre,
    movie_id_seq,
    movie_person,
    movie_stats,
    person,
)

# Bayesian average: a movie with few ratings is pulled towards 3.5 (prior of 5 ratings);
# movies nobody rated here yet rank by their IMDb rating on the same 0.5–5 scale.
_RATING = (
    "coalesce((5 * 3.5 + s.rating_average * s.rating_count) / (5 + s.rating_count),"
    " m.imdb_rating / 2.0)"
)
_ORDER = {
    Sort.relevance: "relevance DESC, popularity_raw DESC, m.id",
    Sort.popularity: "popularity_raw DESC, m.id",
    Sort.rating: f"{_RATING} DESC NULLS LAST, rating_count DESC, m.id",
    Sort.year: "m.year DESC NULLS LAST, m.id",
    Sort.title: "lower(m.title), m.id",
}
_TSQUERY = "websearch_to_tsquery('english', :q)"


@dataclass(frozen=True)
class MovieRow:
    """A movie as lists show it, with its community aggregates."""

    id: int
    title: str
    year: int | None
    imdb_rating: float | None
    rating_average: float | None
    rating_count: int
    popularity_raw: float


@dataclass(frozen=True)
class MovieDetailRow(MovieRow):
    """A movie in full."""

    description: str | None
    runtime_minutes: int | None
    imdb_id: str | None
    tmdb_id: int | None
    tags: list[str]
    watch_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    roles: list[str]
    movies: int


@dataclass(frozen=True)
class ImportJob:
    id: uuid.UUID
    status: str
    stage: str
    done: int
    total: int
    report: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Filters:
    q: str | None = None
    genre_ids: tuple[int, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    actor: str | None = None
    director: str | None = None


_PERSON_FILTER = {
    "actor": "EXISTS (SELECT 1 FROM movie_person mp JOIN person p ON p.id = mp.person_id"
    " WHERE mp.movie_id = m.id AND mp.role = :actor_role AND p.name_key LIKE :actor_like)",
    "director": "EXISTS (SELECT 1 FROM movie_person mp JOIN person p ON p.id = mp.person_id"
    " WHERE mp.movie_id = m.id AND mp.role = :director_role AND p.name_key LIKE :director_like)",
}


def _like(value: str) -> str:
    escaped = fold(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(filters: Filters, params: dict[str, Any]) -> tuple[list[str], str]:
    conds: list[str] = []
    relevance = "0.0"
    if filters.q:
        params["q"] = filters.q
        qf = fold(filters.q)
        if qf:
            params["qf"] = qf
            conds.append(f"(m.search_vector @@ {_TSQUERY} OR :qf <% m.search_text)")
            relevance = (
                f"ts_rank_cd(m.search_vector, {_TSQUERY}) + word_similarity(:qf, m.search_text)"
                " + similarity(:qf, lower(m.title))"
            )
        else:
            conds.append(f"m.search_vector @@ {_TSQUERY}")
            relevance = f"ts_rank_cd(m.search_vector, {_TSQUERY})"
    if filters.genre_ids:
        params["gids"] = list(filters.genre_ids)
        params["ngids"] = len(filters.genre_ids)
        conds.append(
            "m.id IN (SELECT movie_id FROM movie_genre WHERE genre_id = ANY(:gids)"
            " GROUP BY movie_id HAVING count(*) = :ngids)"
        )
    if filters.year_from is not None:
        params["year_from"] = filters.year_from
        conds.append("m.year >= :year_from")
    if filters.year_to is not None:
        params["year_to"] = filters.year_to
        conds.append("m.year <= :year_to")
    for role, value in (("actor", filters.actor), ("director", filters.director)):
        if value:
            params[f"{role}_like"] = _like(value)
            params[f"{role}_role"] = role
            conds.append(_PERSON_FILTER[role])
    return conds, relevance


async def search_movies(
    session: AsyncSession, filters: Filters, sort: Sort, *, limit: int, offset: int
) -> tuple[list[MovieRow], int]:
    """One page of movie rows and the total number of matches."""
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    conds, relevance = _where(filters, params)
    where = f"WHERE {' AND '.join(conds)}" if conds else ""
    sql = f"""
        SELECT m.id, m.title, m.year, m.imdb_rating::float AS imdb_rating,
               s.rating_average, coalesce(s.rating_count, 0) AS rating_count,
               coalesce(s.popularity_raw, 0) AS popularity_raw,
               {relevance} AS relevance, count(*) OVER () AS total
        FROM movie m LEFT JOIN movie_stats s ON s.movie_id = m.id
        {where}
        ORDER BY {_ORDER[sort]}
        LIMIT :limit OFFSET :offset
    """  # noqa: S608 - fragments are constants; every value is a bound parameter
    result = (await session.execute(text(sql), params)).all()

    async def count() -> int:
        count_sql = f"SELECT count(*) FROM movie m {where}"  # noqa: S608 - as above
        count_params = {k: v for k, v in params.items() if k not in ("limit", "offset")}
        return int((await session.execute(text(count_sql), count_params)).scalar_one())

    rows, total = await page_total(result, offset, count)
    return [as_record(MovieRow, r) for r in rows], total


async def movie_detail(session: AsyncSession, movie_id: int) -> MovieDetailRow | None:
    """The movie in full, with its aggregates."""
    m, s = movie.c, movie_stats.c
    query = (
        select(
            m.id,
            m.title,
            m.year,
            m.description,
            m.runtime_minutes,
            m.imdb_id,
            m.tmdb_id,
            m.imdb_rating,
            m.tags,
            m.created_at,
            m.updated_at,
            s.rating_average,
            func.coalesce(s.rating_count, 0).label("rating_count"),
            func.coalesce(s.popularity_raw, 0).label("popularity_raw"),
            func.coalesce(s.watch_count, 0).label("watch_count"),
        )
        .select_from(movie.outerjoin(movie_stats, s.movie_id == m.id))
        .where(m.id == movie_id)
    )
    r = (await session.execute(query)).first()
    return as_record(MovieDetailRow, r) if r is not None else None


async def genres_and_people(
    session: AsyncSession, ids: list[int]
) -> tuple[dict[int, list[str]], dict[int, dict[str, list[str]]]]:
    """Genres and people of many movies in two queries (no N+1)."""
    genres: dict[int, list[str]] = defaultdict(list)
    people: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"actor": [], "director": []})
    if not ids:
        return genres, people
    # `movie_id = ANY(array)`, not a join with the unnested ids: a join's generic plan, made
    # while the catalog was empty, kept scanning the whole link tables after the import.
    wanted = any_(literal(list(ids), ARRAY(Integer())))
    mg, g = movie_genre.c, genre.c
    rows = await session.execute(
        select(mg.movie_id, g.name)
        .join(genre, g.id == mg.genre_id)
        .where(mg.movie_id == wanted)
        .order_by(g.name)
    )
    for movie_id, name in rows:
        genres[movie_id].append(name)
    mp, p = movie_person.c, person.c
    cast = await session.execute(
        select(mp.movie_id, mp.role, p.name)
        .join(person, p.id == mp.person_id)
        .where(mp.movie_id == wanted)
        .order_by(mp.movie_id, mp.role, mp.position)
    )
    for movie_id, role, name in cast:
        people[movie_id][role].append(name)
    return genres, people


async def genre_ids(session: AsyncSession, names: list[str]) -> list[int]:
    rows = await session.execute(select(genre.c.id).where(genre.c.name.in_(names)))
    return list(rows.scalars())


async def genre_counts(session: AsyncSession) -> list[tuple[str, int]]:
    g, mg = genre.c, movie_genre.c
    rows = await session.execute(
        select(g.name, func.count(mg.movie_id))
        .select_from(genre.outerjoin(movie_genre, mg.genre_id == g.id))
        .group_by(g.name)
        .order_by(g.name)
    )
    return [(name, int(n)) for name, n in rows]


async def search_people(
    session: AsyncSession, q: str | None, *, limit: int, offset: int
) -> tuple[list[PersonRow], int]:
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    where = ""
    order = "movies DESC, p.name"
    if q and fold(q):
        params["like"] = _like(q)
        params["qf"] = fold(q)
        where = "WHERE p.name_key LIKE :like OR :qf <% p.name_key"
        order = "word_similarity(:qf, p.name_key) DESC, movies DESC, p.name"
    sql = f"""
        SELECT p.id, p.name, array_agg(DISTINCT mp.role ORDER BY mp.role) AS roles,
               count(DISTINCT mp.movie_id) AS movies, count(*) OVER () AS total
        FROM person p JOIN movie_person mp ON mp.person_id = p.id
        {where}
        GROUP BY p.id, p.name
        ORDER BY {order}
        LIMIT :limit OFFSET :offset
    """  # noqa: S608 - constant fragments, bound values
    result = (await session.execute(text(sql), params)).all()

    async def count() -> int:
        count_sql = f"SELECT count(*) FROM (SELECT p.id FROM person p JOIN movie_person mp ON mp.person_id = p.id {where} GROUP BY p.id) t"  # noqa: S608, E501 - constant fragments, bound values
        count_params = {k: v for k, v in params.items() if k in ("like", "qf")}
        return int((await session.execute(text(count_sql), count_params)).scalar_one())

    rows, total = await page_total(result, offset, count)
    return [as_record(PersonRow, r) for r in rows], total


async def content_hashes(session: AsyncSession) -> dict[int, str]:
    rows = await session.execute(select(movie.c.id, movie.c.content_hash))
    return {movie_id: h for movie_id, h in rows}


async def lock_movie(session: AsyncSession, movie_id: int) -> bool:
    row = await session.execute(select(movie.c.id).where(movie.c.id == movie_id).with_for_update())
    return row.first() is not None


async def next_movie_id(session: AsyncSession) -> int:
    return int((await session.execute(select(movie_id_seq.next_value()))).scalar_one())


_UPSERT = """
INSERT INTO movie (id, title, year, description, runtime_minutes, imdb_id, tmdb_id, imdb_rating,
                   tags, search_text, search_vector, content_hash, updated_at)
VALUES (:id, :title, :year, :description, :runtime_minutes, :imdb_id, :tmdb_id, :imdb_rating,
        :tags, :search_text,
        setweight(to_tsvector('english', :title), 'A')
        || setweight(to_tsvector('simple', :people), 'B')
        || setweight(to_tsvector('english', :description_text), 'C')
        || setweight(to_tsvector('english', :tags_text), 'D'),
        :content_hash, now())
ON CONFLICT (id) DO UPDATE SET
    title = excluded.title, year = excluded.year, description = excluded.description,
    runtime_minutes = excluded.runtime_minutes, imdb_id = excluded.imdb_id,
    tmdb_id = excluded.tmdb_id, imdb_rating = excluded.imdb_rating, tags = excluded.tags,
    search_text = excluded.search_text, search_vector = excluded.search_vector,
    content_hash = excluded.content_hash, updated_at = now()
"""


async def write_movies(session: AsyncSession, records: list[MovieRecord]) -> None:
    """Insert or replace ``records`` with their genres and people (a few statements in all)."""
    if not records:
        return
    await session.execute(
        text(_UPSERT),
        [
            {
                **asdict(r),
                "description_text": r.description or "",
                "tags_text": " ".join(r.tags),
                "people": " ".join([*r.directors, *r.actors]),
                "search_text": r.search_text(),
                "content_hash": r.content_hash(),
            }
            for r in records
        ],
    )
    ids = unnest(id=(Integer(), [r.id for r in records]))
    for links_table in (movie_genre, movie_person):
        await session.execute(
            delete(links_table).where(links_table.c.movie_id.in_(select(ids.c.id)))
        )
    named = unnest(
        movie_id=(Integer(), [r.id for r in records for _ in r.genres]),
        name=(Text(), [g for r in records for g in r.genres]),
    )
    if any(r.genres for r in records):
        await session.execute(
            pg_insert(movie_genre)
            .from_select(
                ["movie_id", "genre_id"],
                select(named.c.movie_id, genre.c.id).join(genre, genre.c.name == named.c.name),
            )
            .on_conflict_do_nothing()
        )
    links = [
        (r.id, name, fold(name), role, position)
        for r in records
        for role, names in (("director", r.directors), ("actor", r.actors))
        for position, name in enumerate(names)
        if fold(name)
    ]
    if links:
        names = unnest(
            name=(Text(), [link[1] for link in links]),
            name_key=(Text(), [link[2] for link in links]),
        )
        await session.execute(
            pg_insert(person)
            .from_select(
                ["name", "name_key"],
                select(names.c.name, names.c.name_key).ext(distinct_on(names.c.name_key)),
            )
            .on_conflict_do_nothing(index_elements=[person.c.name_key])
        )
        cast = unnest(
            movie_id=(Integer(), [link[0] for link in links]),
            name_key=(Text(), [link[2] for link in links]),
            role=(Text(), [link[3] for link in links]),
            position=(Integer(), [link[4] for link in links]),
        )
        await session.execute(
            pg_insert(movie_person)
            .from_select(
                ["movie_id", "person_id", "role", "position"],
                select(cast.c.movie_id, person.c.id, cast.c.role, cast.c.position).join(
                    person, person.c.name_key == cast.c.name_key
                ),
            )
            .on_conflict_do_nothing()
        )


async def delete_movie(session: AsyncSession, movie_id: int) -> None:
    await session.execute(delete(movie).where(movie.c.id == movie_id))


# -- aggregates from other services' events ----------------------------------------------


async def count_watches(
    session: AsyncSession, watches: list[tuple[uuid.UUID, int, float]]
) -> set[int]:
    """Count (entry_id, movie_id, weight) watches not counted before; the movies changed."""
    rows = unnest(
        entry_id=(Uuid(), [w[0] for w in watches]),
        movie_id=(Integer(), [w[1] for w in watches]),
        weight=(Float(), [w[2] for w in watches]),
    )
    inserted = await session.execute(
        insert_rows(counted_watch, rows)
        .on_conflict_do_nothing()
        .returning(counted_watch.c.movie_id, counted_watch.c.weight)
    )
    totals: dict[int, tuple[float, int]] = {}
    for movie_id, weight in inserted:
        added, count = totals.get(movie_id, (0.0, 0))
        totals[movie_id] = (added + weight, count + 1)
    if totals:
        sums = unnest(
            movie_id=(Integer(), list(totals)),
            popularity_raw=(Float(), [t[0] for t in totals.values()]),
            watch_count=(Integer(), [t[1] for t in totals.values()]),
        )
        insert = insert_rows(movie_stats, sums)
        s = movie_stats.c
        await session.execute(
            insert.on_conflict_do_update(
                index_elements=[s.movie_id],
                set_={
                    "popularity_raw": s.popularity_raw + insert.excluded.popularity_raw,
                    "watch_count": s.watch_count + insert.excluded.watch_count,
                },
            )
        )
    return set(totals)


async def uncount_watch(session: AsyncSession, entry_id: uuid.UUID) -> int | None:
    """Take a counted watch out of its movie's popularity; the movie, if it was counted."""
    removed = await session.execute(
        delete(counted_watch)
        .where(counted_watch.c.entry_id == entry_id)
        .returning(counted_watch.c.movie_id, counted_watch.c.weight)
    )
    row = removed.first()
    if row is None:
        return None
    s = movie_stats.c
    await session.execute(
        update(movie_stats)
        .where(s.movie_id == row.movie_id)
        .values(
            popularity_raw=func.greatest(s.popularity_raw - row.weight, 0),
            watch_count=func.greatest(s.watch_count - 1, 0),
        )
    )
    return int(row.movie_id)


async def set_rating_summaries(
    session: AsyncSession, summaries: dict[int, tuple[int, float | None]]
) -> None:
    """Store each movie's community rating, ``{movie_id: (count, average)}``, at once."""
    rows = unnest(
        movie_id=(Integer(), list(summaries)),
        rating_count=(Integer(), [c for c, _ in summaries.values()]),
        rating_average=(Float(), [a for _, a in summaries.values()]),
    )
    insert = insert_rows(movie_stats, rows)
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=[movie_stats.c.movie_id],
            set_={
                "rating_count": insert.excluded.rating_count,
                "rating_average": insert.excluded.rating_average,
            },
        )
    )


# -- import jobs ------------------------------------------------------------------------


async def create_job(session: AsyncSession, job_id: uuid.UUID) -> None:
    await session.execute(insert(import_job).values(id=job_id, status="queued", stage="queued"))


async def update_job(
    session: AsyncSession,
    job_id: uuid.UUID,
    *,
    status: str,
    stage: str,
    done: int = 0,
    total: int = 0,
    report: dict[str, Any] | None = None,
    finished: bool = False,
) -> None:
    values: dict[str, Any] = {"status": status, "stage": stage, "done": done, "total": total}
    if report is not None:
        values["report"] = report
    if finished:
        values["finished_at"] = func.now()
    await session.execute(update(import_job).where(import_job.c.id == job_id).values(**values))


async def get_job(session: AsyncSession, job_id: uuid.UUID) -> ImportJob | None:
    found = (await session.execute(select(import_job).where(import_job.c.id == job_id))).first()
    return as_record(ImportJob, found) if found is not None else None
