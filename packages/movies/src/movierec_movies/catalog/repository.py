"""Queries of the movies service. Every value is a bound parameter; filters and sorts are
chosen from fixed SQL fragments, never built from input."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.pagination import page_total
from movierec_movies.catalog.importer import MovieRecord
from movierec_movies.catalog.schemas import Sort
from movierec_movies.catalog.text import fold

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
) -> tuple[list[dict[str, Any]], int]:
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
    rows = [dict(r) for r in (await session.execute(text(sql), params)).mappings()]

    async def count() -> int:
        count_sql = f"SELECT count(*) FROM movie m {where}"  # noqa: S608 - as above
        count_params = {k: v for k, v in params.items() if k not in ("limit", "offset")}
        return int((await session.execute(text(count_sql), count_params)).scalar_one())

    return await page_total(rows, offset, count)


async def movie_rows(session: AsyncSession, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Full rows (with aggregates) of ``ids``."""
    sql = """
        SELECT m.id, m.title, m.year, m.description, m.runtime_minutes, m.imdb_id, m.tmdb_id,
               m.imdb_rating::float AS imdb_rating, m.tags, m.created_at, m.updated_at,
               s.rating_average, coalesce(s.rating_count, 0) AS rating_count,
               coalesce(s.popularity_raw, 0) AS popularity_raw,
               coalesce(s.watch_count, 0) AS watch_count
        FROM movie m LEFT JOIN movie_stats s ON s.movie_id = m.id
        WHERE m.id = ANY(:ids)
    """
    result = await session.execute(text(sql), {"ids": ids})
    return {r["id"]: dict(r) for r in result.mappings()}


async def genres_and_people(
    session: AsyncSession, ids: list[int]
) -> tuple[dict[int, list[str]], dict[int, dict[str, list[str]]]]:
    """Genres and people of many movies in two queries (no N+1)."""
    genres: dict[int, list[str]] = defaultdict(list)
    people: dict[int, dict[str, list[str]]] = defaultdict(lambda: {"actor": [], "director": []})
    if not ids:
        return genres, people
    rows = await session.execute(
        text(
            "SELECT mg.movie_id, g.name FROM movie_genre mg JOIN genre g ON g.id = mg.genre_id"
            " WHERE mg.movie_id = ANY(:ids) ORDER BY g.name"
        ),
        {"ids": ids},
    )
    for movie_id, name in rows:
        genres[movie_id].append(name)
    rows = await session.execute(
        text(
            "SELECT mp.movie_id, mp.role, p.name FROM movie_person mp"
            " JOIN person p ON p.id = mp.person_id"
            " WHERE mp.movie_id = ANY(:ids) ORDER BY mp.movie_id, mp.role, mp.position"
        ),
        {"ids": ids},
    )
    for movie_id, role, name in rows:
        people[movie_id][role].append(name)
    return genres, people


async def genre_ids(session: AsyncSession, names: list[str]) -> list[int]:
    rows = await session.execute(text("SELECT id FROM genre WHERE name = ANY(:n)"), {"n": names})
    return [r[0] for r in rows]


async def genre_counts(session: AsyncSession) -> list[tuple[str, int]]:
    rows = await session.execute(
        text(
            "SELECT g.name, count(mg.movie_id) FROM genre g"
            " LEFT JOIN movie_genre mg ON mg.genre_id = g.id GROUP BY g.name ORDER BY g.name"
        )
    )
    return [(name, int(n)) for name, n in rows]


async def search_people(
    session: AsyncSession, q: str | None, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
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
    rows = [dict(r) for r in (await session.execute(text(sql), params)).mappings()]

    async def count() -> int:
        count_sql = f"SELECT count(*) FROM (SELECT p.id FROM person p JOIN movie_person mp ON mp.person_id = p.id {where} GROUP BY p.id) t"  # noqa: S608, E501 - constant fragments, bound values
        count_params = {k: v for k, v in params.items() if k in ("like", "qf")}
        return int((await session.execute(text(count_sql), count_params)).scalar_one())

    return await page_total(rows, offset, count)


async def content_hashes(session: AsyncSession) -> dict[int, str]:
    rows = await session.execute(text("SELECT id, content_hash FROM movie"))
    return {movie_id: h for movie_id, h in rows}


async def lock_movie(session: AsyncSession, movie_id: int) -> bool:
    row = await session.execute(
        text("SELECT id FROM movie WHERE id = :id FOR UPDATE"), {"id": movie_id}
    )
    return row.first() is not None


async def next_movie_id(session: AsyncSession) -> int:
    return int((await session.execute(text("SELECT nextval('movie_id_seq')"))).scalar_one())


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
                "id": r.id,
                "title": r.title,
                "year": r.year,
                "description": r.description,
                "description_text": r.description or "",
                "runtime_minutes": r.runtime_minutes,
                "imdb_id": r.imdb_id,
                "tmdb_id": r.tmdb_id,
                "imdb_rating": r.imdb_rating,
                "tags": r.tags,
                "tags_text": " ".join(r.tags),
                "people": " ".join([*r.directors, *r.actors]),
                "search_text": r.search_text(),
                "content_hash": r.content_hash(),
            }
            for r in records
        ],
    )
    ids = [r.id for r in records]
    await session.execute(text("DELETE FROM movie_genre WHERE movie_id = ANY(:ids)"), {"ids": ids})
    await session.execute(text("DELETE FROM movie_person WHERE movie_id = ANY(:ids)"), {"ids": ids})
    g_movies = [r.id for r in records for _ in r.genres]
    g_names = [g for r in records for g in r.genres]
    if g_movies:
        await session.execute(
            text(
                "INSERT INTO movie_genre (movie_id, genre_id)"
                " SELECT t.m, g.id FROM unnest(CAST(:m AS int[]), CAST(:n AS text[])) AS t(m, n)"
                " JOIN genre g ON g.name = t.n ON CONFLICT DO NOTHING"
            ),
            {"m": g_movies, "n": g_names},
        )
    links = [
        (r.id, name, fold(name), role, position)
        for r in records
        for role, names in (("director", r.directors), ("actor", r.actors))
        for position, name in enumerate(names)
        if fold(name)
    ]
    if links:
        await session.execute(
            text(
                "INSERT INTO person (name, name_key)"
                " SELECT DISTINCT ON (k) n, k FROM unnest(CAST(:n AS text[]), CAST(:k AS text[]))"
                " AS t(n, k) ON CONFLICT (name_key) DO NOTHING"
            ),
            {"n": [link[1] for link in links], "k": [link[2] for link in links]},
        )
        await session.execute(
            text(
                "INSERT INTO movie_person (movie_id, person_id, role, position)"
                " SELECT t.m, p.id, t.r, t.pos FROM unnest(CAST(:m AS int[]), CAST(:k AS text[]),"
                " CAST(:r AS text[]), CAST(:pos AS int[])) AS t(m, k, r, pos)"
                " JOIN person p ON p.name_key = t.k ON CONFLICT DO NOTHING"
            ),
            {
                "m": [link[0] for link in links],
                "k": [link[2] for link in links],
                "r": [link[3] for link in links],
                "pos": [link[4] for link in links],
            },
        )


async def delete_movie(session: AsyncSession, movie_id: int) -> None:
    await session.execute(text("DELETE FROM movie WHERE id = :id"), {"id": movie_id})


# -- aggregates from other services' events ----------------------------------------------


async def count_watches(session: AsyncSession, rows: list[tuple[Any, int, float]]) -> set[int]:
    """Count (entry_id, movie_id, weight) watches not counted before; the movies changed."""
    inserted = await session.execute(
        text(
            "INSERT INTO counted_watch (entry_id, movie_id, weight)"
            " SELECT * FROM unnest(CAST(:e AS uuid[]), CAST(:m AS int[]),"
            " CAST(:w AS double precision[]))"
            " ON CONFLICT DO NOTHING RETURNING movie_id, weight"
        ),
        {"e": [r[0] for r in rows], "m": [r[1] for r in rows], "w": [r[2] for r in rows]},
    )
    totals: dict[int, list[float]] = {}
    for movie_id, weight in inserted:
        total = totals.setdefault(movie_id, [0.0, 0])
        total[0] += weight
        total[1] += 1
    if totals:
        await session.execute(
            text(
                "INSERT INTO movie_stats (movie_id, popularity_raw, watch_count)"
                " SELECT * FROM unnest(CAST(:m AS int[]), CAST(:w AS double precision[]),"
                " CAST(:n AS int[]))"
                " ON CONFLICT (movie_id) DO UPDATE SET"
                " popularity_raw = movie_stats.popularity_raw + excluded.popularity_raw,"
                " watch_count = movie_stats.watch_count + excluded.watch_count"
            ),
            {
                "m": list(totals),
                "w": [t[0] for t in totals.values()],
                "n": [int(t[1]) for t in totals.values()],
            },
        )
    return set(totals)


async def uncount_watch(session: AsyncSession, entry_id: Any) -> int | None:
    row = (
        await session.execute(
            text("DELETE FROM counted_watch WHERE entry_id = :e RETURNING movie_id, weight"),
            {"e": entry_id},
        )
    ).first()
    if row is None:
        return None
    await session.execute(
        text(
            "UPDATE movie_stats SET popularity_raw = greatest(popularity_raw - :w, 0),"
            " watch_count = greatest(watch_count - 1, 0) WHERE movie_id = :m"
        ),
        {"m": row.movie_id, "w": row.weight},
    )
    return int(row.movie_id)


async def set_rating_summary(
    session: AsyncSession, movie_id: int, count: int, average: float | None
) -> None:
    await session.execute(
        text(
            "INSERT INTO movie_stats (movie_id, rating_count, rating_average) VALUES (:m, :c, :a)"
            " ON CONFLICT (movie_id) DO UPDATE SET rating_count = excluded.rating_count,"
            " rating_average = excluded.rating_average"
        ),
        {"m": movie_id, "c": count, "a": average},
    )
