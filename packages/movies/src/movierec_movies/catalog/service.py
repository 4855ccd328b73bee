"""Business rules of the catalog: search, reads through the cache, admin writes and
imports, events. Never commits: the caller's transaction does."""

from __future__ import annotations

import hashlib
import json
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.demo import default_imdb_file, resolve_data_dir
from movierec_common.events import MovieDeleted, MovieUpserted
from movierec_common.outbox import record
from movierec_common.pagination import Page, PageParams
from movierec_common.service import Runtime
from movierec_movies.catalog import repository, schemas
from movierec_movies.catalog.exceptions import (
    ImportJobNotFoundError,
    ImportSourceError,
    MovieNotFoundError,
)
from movierec_movies.catalog.importer import MovieRecord, read_catalog
from movierec_movies.catalog.repository import Filters, ImportJob, MovieRow
from movierec_movies.config import Settings

#: Popularity weights are 2^((t - EPOCH) / half-life): adding and removing a watch is O(1),
#: and sorting by the raw sum equals sorting by the decayed value at any moment.
POPULARITY_EPOCH = datetime(2000, 1, 1, tzinfo=UTC).timestamp()
LIST_GENERATION_KEY = "list-generation"
EVENT_BATCH = 500
IMPORT_TASK = "import_catalog"

#: Reports an import's progress: (stage, done, total).
Progress = Callable[[str, int, int], Awaitable[None]]


def upserted_payload(record: MovieRecord) -> MovieUpserted:
    """The event of a movie's record (the payload takes the fields it has)."""
    return MovieUpserted.model_validate({**asdict(record), "movie_id": record.id})


class CatalogService:
    def __init__(self, runtime: Runtime[Settings, CatalogService]) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.database = runtime.database
        self.cache = runtime.cache
        self.events = runtime.events
        self.half_life = runtime.settings.popularity_half_life_days * 86400

    # -- popularity --------------------------------------------------------------------

    def watch_weight(self, watched_at: datetime) -> float:
        return 2.0 ** ((watched_at.timestamp() - POPULARITY_EPOCH) / self.half_life)

    def popularity(self, raw: float) -> float:
        """The decayed watch count as of now."""
        if raw <= 0:
            return 0.0
        return round(raw * 2.0 ** (-(time.time() - POPULARITY_EPOCH) / self.half_life), 6)

    # -- reads -------------------------------------------------------------------------

    async def _list_generation(self) -> str:
        return await self.cache.generation(self.cache.key(LIST_GENERATION_KEY))

    async def search(
        self,
        *,
        filters: Filters,
        genres: list[str],
        sort: schemas.Sort | None,
        page: PageParams,
    ) -> bytes:
        """One page of results as JSON (the list envelope), cached."""
        effective = sort or (schemas.Sort.relevance if filters.q else schemas.Sort.popularity)
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
            async with self.database.transaction() as session:
                ids = await repository.genre_ids(session, genres) if genres else []
                if len(ids) != len(genres):
                    return (
                        Page[schemas.MovieSummary]
                        .of([], total=0, params=page)
                        .model_dump(mode="json")
                    )
                rows, total = await repository.search_movies(
                    session,
                    Filters(**{**filters.__dict__, "genre_ids": tuple(ids)}),
                    effective,
                    limit=page.limit,
                    offset=page.offset,
                )
                items = await self._summaries(session, rows)
            return Page.of(items, total=total, params=page).model_dump(mode="json")

        return await self.cache.get_or_set_raw(self.cache.key("list", generation, digest), load)

    async def _summaries(
        self, session: AsyncSession, rows: list[MovieRow]
    ) -> list[schemas.MovieSummary]:
        genres, people = await repository.genres_and_people(session, [r.id for r in rows])
        return [
            schemas.MovieSummary(
                **self._shown(r),
                genres=genres.get(r.id, []),
                directors=people[r.id]["director"] if r.id in people else [],
            )
            for r in rows
        ]

    def _shown(self, row: MovieRow) -> dict[str, Any]:
        """A row's fields as the API shows them: the average rounded, popularity decayed to
        now (the models take the fields they have)."""
        return {
            **asdict(row),
            "rating_average": _round(row.rating_average),
            "popularity": self.popularity(row.popularity_raw),
        }

    async def get_raw(self, *, movie_id: int) -> bytes:
        """The movie's JSON, straight from the cache when it is there (no re-encoding); the
        database is touched only on a miss."""

        async def load() -> dict[str, Any] | None:
            async with self.database.transaction() as session:
                detail = await self._detail(session, movie_id)
            return detail.model_dump(mode="json") if detail else None

        raw = await self.cache.get_or_set_raw(self.cache.key("movie", movie_id), load)
        if raw == b"null":
            raise MovieNotFoundError(movie_id)
        return raw

    async def _detail(self, session: AsyncSession, movie_id: int) -> schemas.MovieDetail | None:
        row = await repository.movie_detail(session, movie_id)
        if row is None:
            return None
        genres, people = await repository.genres_and_people(session, [movie_id])
        cast = people.get(movie_id, {"actor": [], "director": []})
        return schemas.MovieDetail(
            **self._shown(row),
            genres=genres.get(movie_id, []),
            directors=cast["director"],
            actors=cast["actor"],
        )

    async def genres(self) -> list[schemas.GenreOut]:
        async def load() -> list[dict[str, Any]]:
            async with self.database.transaction() as session:
                counts = await repository.genre_counts(session)
            return [{"name": n, "movies": c} for n, c in counts]

        generation = await self._list_generation()
        data = await self.cache.get_or_set(self.cache.key("genres", generation), load)
        return [schemas.GenreOut.model_validate(g) for g in data]

    async def people(
        self, session: AsyncSession, *, q: str | None, page: PageParams
    ) -> Page[schemas.PersonOut]:
        rows, total = await repository.search_people(
            session, q, limit=page.limit, offset=page.offset
        )
        items = [
            schemas.PersonOut(id=r.id, name=r.name, roles=r.roles, movies=r.movies) for r in rows
        ]
        return Page.of(items, total=total, params=page)

    # -- writes ------------------------------------------------------------------------

    def touched(self, session: AsyncSession, movie_ids: Iterable[int]) -> None:
        """After the commit, the movies' cached records and every cached list are stale."""
        self.cache.invalidate_after_commit(
            session,
            keys=[self.cache.key("movie", i) for i in movie_ids],
            generations=[self.cache.key(LIST_GENERATION_KEY)],
        )

    async def write_records(self, session: AsyncSession, records: list[MovieRecord]) -> None:
        """Write records and emit movie.upserted for each, in batches (rows are locked by
        the upsert, so versions follow commit order)."""
        for start in range(0, len(records), EVENT_BATCH):
            chunk = records[start : start + EVENT_BATCH]
            await repository.write_movies(session, chunk)
            await self.events.emit_many(
                session, [("movie.upserted", upserted_payload(r)) for r in chunk]
            )
        self.touched(session, [r.id for r in records])

    async def create(
        self, session: AsyncSession, *, data: schemas.MovieCreate
    ) -> schemas.MovieDetail:
        record = MovieRecord(id=await repository.next_movie_id(session), **data.model_dump())
        await self.write_records(session, [record])
        detail = await self._detail(session, record.id)
        assert detail is not None
        return detail

    async def update(
        self, session: AsyncSession, *, movie_id: int, data: schemas.MovieUpdate
    ) -> schemas.MovieDetail:
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

    async def delete(self, session: AsyncSession, *, movie_id: int) -> None:
        if not await repository.lock_movie(session, movie_id):
            raise MovieNotFoundError(movie_id)
        await repository.delete_movie(session, movie_id)
        await self.events.emit(session, "movie.deleted", MovieDeleted(movie_id=movie_id))
        self.touched(session, [movie_id])

    # -- imports -----------------------------------------------------------------------

    async def import_catalog(
        self, *, data_dir: Path, imdb_file: Path | None, progress: Progress | None = None
    ) -> dict[str, Any]:
        """Import (or re-import) the catalog in one transaction; unchanged movies are
        neither written nor emitted. The report of what was read and written."""
        records, report = read_catalog(data_dir, imdb_file)
        async with self.database.transaction() as session:
            hashes = await repository.content_hashes(session)
            changed = [r for r in records.values() if hashes.get(r.id) != r.content_hash()]
            created = sum(1 for r in changed if r.id not in hashes)
            total = len(changed)
            if progress:
                await progress("writing", 0, total)
            for start in range(0, total, EVENT_BATCH):
                await self.write_records(session, changed[start : start + EVENT_BATCH])
                if progress:
                    await progress("writing", min(start + EVENT_BATCH, total), total)
        summary = asdict(report)
        summary.update(
            created=created,
            updated=len(changed) - created,
            unchanged=len(records) - len(changed),
            events=len(changed),
            data_dir=str(data_dir),
            imdb_file=str(imdb_file) if imdb_file else None,
        )
        return summary

    async def start_import(
        self, session: AsyncSession, *, data_dir: str | None, imdb_file: str | None
    ) -> ImportJob:
        """Queue an import of server-side files (within the allowed folders) as a job."""
        try:
            default_dir: Path | None = resolve_data_dir(None, self.settings.data)
        except FileNotFoundError:
            default_dir = None
        roots = [*self.settings.import_roots, *([default_dir.parent] if default_dir else [])]
        folder = Path(data_dir) if data_dir else default_dir
        # Where a path points is checked before whether something is there: the answer must
        # not tell what exists outside the allowed folders.
        if folder is not None and not _allowed(folder, roots):
            raise ImportSourceError("data_dir is outside the folders this service may import from.")
        if folder is None or not (folder / "movies.csv").is_file():
            raise ImportSourceError("No MovieLens folder (with movies.csv) at the given data_dir.")
        imdb = Path(imdb_file) if imdb_file else default_imdb_file(folder)
        if imdb is not None and (not _allowed(imdb, roots) or not imdb.is_file()):
            raise ImportSourceError("imdb_file does not exist or is outside the allowed folders.")
        job_id = uuid.uuid4()
        await repository.create_job(session, job_id)
        task = self.runtime.task(IMPORT_TASK, str(job_id), str(folder), str(imdb) if imdb else None)
        await record(session, task)
        return await self.job(session, job_id=job_id)

    async def job(self, session: AsyncSession, *, job_id: uuid.UUID) -> ImportJob:
        found = await repository.get_job(session, job_id)
        if found is None:
            raise ImportJobNotFoundError
        return found

    async def run_import_job(
        self, *, job_id: uuid.UUID, data_dir: Path, imdb_file: Path | None
    ) -> dict[str, Any]:
        """The import task's body: the import, its progress and outcome kept in the job."""

        async def note(status: str, stage: str, done: int = 0, total: int = 0, **end: Any) -> None:
            async with self.database.transaction() as session:
                await repository.update_job(
                    session, job_id, status=status, stage=stage, done=done, total=total, **end
                )

        async def progress(stage: str, done: int, total: int) -> None:
            await note("running", stage, done, total)

        try:
            await progress("reading", 0, 0)
            report = await self.import_catalog(
                data_dir=data_dir, imdb_file=imdb_file, progress=progress
            )
        except Exception as exc:
            await note("failed", "failed", report={"error": str(exc)[:2000]}, finished=True)
            raise
        events = report["events"]
        await note("succeeded", "done", events, events, report=report, finished=True)
        return report


def _allowed(path: Path, roots: list[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(root.resolve()) for root in roots)


def _round(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 3)
