"""Business rules of the catalog: search, reads through the cache, admin writes, events."""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.cache import Cache
from movierec_common.db import Database, after_commit
from movierec_common.events import MovieDeleted, MovieUpserted
from movierec_common.outbox import EventEmitter
from movierec_common.pagination import Page, PageParams
from movierec_movies import __version__
from movierec_movies.catalog import repository
from movierec_movies.catalog.exceptions import MovieNotFoundError
from movierec_movies.catalog.importer import MovieRecord
from movierec_movies.catalog.repository import Filters
from movierec_movies.catalog.schemas import (
    GenreOut,
    MovieCreate,
    MovieDetail,
    MovieSummary,
    MovieUpdate,
    PersonOut,
    Sort,
)
from movierec_movies.config import Settings

#: Popularity weights are 2^((t - EPOCH) / half-life): adding and removing a watch is O(1),
#: and sorting by the raw sum equals sorting by the decayed value at any moment.
POPULARITY_EPOCH = datetime(2000, 1, 1, tzinfo=UTC).timestamp()
LIST_GENERATION_KEY = "list-generation"
EVENT_BATCH = 500


def upserted_payload(record: MovieRecord) -> MovieUpserted:
    return MovieUpserted(
        movie_id=record.id,
        title=record.title,
        year=record.year,
        genres=record.genres,
        actors=record.actors,
        directors=record.directors,
        description=record.description,
        tags=record.tags,
    )


class CatalogService:
    def __init__(self, settings: Settings, cache: Cache) -> None:
        self.settings = settings
        self.cache = cache
        self.events = EventEmitter(
            producer=f"movies@{__version__}", exchange=settings.events_exchange
        )
        self.half_life = settings.popularity_half_life_days * 86400

    # -- popularity --------------------------------------------------------------------

    def watch_weight(self, watched_at: datetime) -> float:
        return 2.0 ** ((watched_at.timestamp() - POPULARITY_EPOCH) / self.half_life)

    def popularity(self, raw: float) -> float:
        """The decayed watch count as of now."""
        if raw <= 0:
            return 0.0
        return round(raw * 2.0 ** (-(time.time() - POPULARITY_EPOCH) / self.half_life), 6)

    # -- reads -------------------------------------------------------------------------

    async def _list_generation(self) -> int | None:
        value = await self.cache.get(self.cache.key(LIST_GENERATION_KEY))
        return int(value) if value is not None else 0

    async def search(
        self,
        database: Database,
        *,
        filters: Filters,
        genres: list[str],
        sort: Sort | None,
        page: PageParams,
    ) -> bytes:
        """One page of results as JSON (the list envelope), cached."""
        effective = sort or (Sort.relevance if filters.q else Sort.popularity)
        signature = json.dumps(
            [
                filters.q,
                genres,
                filters.year_from,
                filters.year_to,
                filters.actor,
                filters.director,
                effective,
                page.limit,
                page.offset,
            ],
            default=str,
        )
        digest = hashlib.sha1(signature.encode(), usedforsecurity=False).hexdigest()
        generation = await self._list_generation()

        async def load() -> dict[str, Any]:
            async with database.transaction() as session:
                ids = await repository.genre_ids(session, genres) if genres else []
                if len(ids) != len(genres):
                    return Page[MovieSummary].of([], total=0, params=page).model_dump(mode="json")
                rows, total = await repository.search_movies(
                    session,
                    Filters(**{**filters.__dict__, "genre_ids": tuple(ids)}),
                    effective,
                    limit=page.limit,
                    offset=page.offset,
                )
                items = await self._summaries(session, rows)
            return Page.of(items, total=total, params=page).model_dump(mode="json")

        return await self.cache.get_or_set_raw(
            self.cache.key("list", generation, digest), load, ttl=self.settings.cache_ttl_seconds
        )

    async def _summaries(
        self, session: AsyncSession, rows: list[dict[str, Any]]
    ) -> list[MovieSummary]:
        ids = [r["id"] for r in rows]
        genres, people = await repository.genres_and_people(session, ids)
        return [
            MovieSummary(
                id=r["id"],
                title=r["title"],
                year=r["year"],
                genres=genres.get(r["id"], []),
                directors=people[r["id"]]["director"] if r["id"] in people else [],
                imdb_rating=r["imdb_rating"],
                rating_average=_round(r["rating_average"]),
                rating_count=r["rating_count"],
                popularity=self.popularity(r["popularity_raw"]),
            )
            for r in rows
        ]

    async def get_raw(self, database: Database, movie_id: int) -> bytes:
        """The movie's JSON, straight from the cache when it is there (no re-encoding); the
        database is touched only on a miss."""

        async def load() -> dict[str, Any] | None:
            async with database.transaction() as session:
                detail = await self._detail(session, movie_id)
            return detail.model_dump(mode="json") if detail else None

        raw = await self.cache.get_or_set_raw(
            self.cache.key("movie", movie_id), load, ttl=self.settings.cache_ttl_seconds
        )
        if raw == b"null":
            raise MovieNotFoundError(movie_id)
        return raw

    async def _detail(self, session: AsyncSession, movie_id: int) -> MovieDetail | None:
        rows = await repository.movie_rows(session, [movie_id])
        row = rows.get(movie_id)
        if row is None:
            return None
        genres, people = await repository.genres_and_people(session, [movie_id])
        cast = people.get(movie_id, {"actor": [], "director": []})
        return MovieDetail(
            id=row["id"],
            title=row["title"],
            year=row["year"],
            genres=genres.get(movie_id, []),
            directors=cast["director"],
            actors=cast["actor"],
            imdb_rating=row["imdb_rating"],
            rating_average=_round(row["rating_average"]),
            rating_count=row["rating_count"],
            popularity=self.popularity(row["popularity_raw"]),
            description=row["description"],
            runtime_minutes=row["runtime_minutes"],
            imdb_id=row["imdb_id"],
            tmdb_id=row["tmdb_id"],
            tags=list(row["tags"] or []),
            watch_count=row["watch_count"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    async def genres(self, session: AsyncSession) -> list[GenreOut]:
        async def load() -> list[dict[str, Any]]:
            return [{"name": n, "movies": c} for n, c in await repository.genre_counts(session)]

        generation = await self._list_generation()
        data = await self.cache.get_or_set(self.cache.key("genres", generation), load)
        return [GenreOut.model_validate(g) for g in data]

    async def people(
        self, session: AsyncSession, q: str | None, page: PageParams
    ) -> Page[PersonOut]:
        rows, total = await repository.search_people(
            session, q, limit=page.limit, offset=page.offset
        )
        items = [
            PersonOut(id=r["id"], name=r["name"], roles=list(r["roles"]), movies=r["movies"])
            for r in rows
        ]
        return Page.of(items, total=total, params=page)

    # -- writes ------------------------------------------------------------------------

    def invalidate_after_commit(self, session: AsyncSession, movie_ids: Iterable[int]) -> None:
        """Drop the movies' cached records and every cached list once the commit is done."""
        pending: set[int] | None = session.info.get("movies_to_invalidate")
        if pending is None:
            pending = session.info["movies_to_invalidate"] = set()

            async def invalidate() -> None:
                ids = session.info.pop("movies_to_invalidate", set())
                await self.cache.delete(*(self.cache.key("movie", i) for i in ids))
                await self.cache.incr(self.cache.key(LIST_GENERATION_KEY))

            after_commit(session, invalidate)
        pending.update(movie_ids)

    async def write_records(self, session: AsyncSession, records: list[MovieRecord]) -> None:
        """Write records and emit movie.upserted for each, in batches (rows are locked by
        the upsert, so versions follow commit order)."""
        for start in range(0, len(records), EVENT_BATCH):
            chunk = records[start : start + EVENT_BATCH]
            await repository.write_movies(session, chunk)
            await self.events.emit_many(
                session, [("movie.upserted", upserted_payload(r)) for r in chunk]
            )
        self.invalidate_after_commit(session, [r.id for r in records])

    async def create(self, session: AsyncSession, data: MovieCreate) -> MovieDetail:
        record = MovieRecord(id=await repository.next_movie_id(session), **data.model_dump())
        await self.write_records(session, [record])
        detail = await self._detail(session, record.id)
        assert detail is not None
        return detail

    async def update(self, session: AsyncSession, movie_id: int, data: MovieUpdate) -> MovieDetail:
        if not await repository.lock_movie(session, movie_id):
            raise MovieNotFoundError(movie_id)
        current = await self._detail(session, movie_id)
        assert current is not None
        record = MovieRecord(
            **{
                **current.model_dump(include=set(MovieRecord.__dataclass_fields__)),
                **data.model_dump(exclude_unset=True),
            }
        )
        if (
            record.content_hash()
            != MovieRecord(
                **current.model_dump(include=set(MovieRecord.__dataclass_fields__))
            ).content_hash()
        ):
            await self.write_records(session, [record])
        detail = await self._detail(session, movie_id)
        assert detail is not None
        return detail

    async def delete(self, session: AsyncSession, movie_id: int) -> None:
        if not await repository.lock_movie(session, movie_id):
            raise MovieNotFoundError(movie_id)
        await repository.delete_movie(session, movie_id)
        await self.events.emit(session, "movie.deleted", MovieDeleted(movie_id=movie_id))
        self.invalidate_after_commit(session, [movie_id])


def _round(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 3)
