"""Running a catalog import: one transaction for the whole catalog, progress reported aside."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.db import Database
from movierec_movies.catalog import repository
from movierec_movies.catalog.importer import read_catalog
from movierec_movies.catalog.service import EVENT_BATCH, CatalogService

Progress = Callable[[str, int, int], Any]


async def import_catalog(
    database: Database,
    service: CatalogService,
    *,
    data_dir: Path,
    imdb_file: Path | None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Import (or re-import) the catalog; unchanged movies are neither written nor emitted."""
    records, report = read_catalog(data_dir, imdb_file)
    async with database.transaction() as session:
        hashes = await repository.content_hashes(session)
        changed = [r for r in records.values() if hashes.get(r.id) != r.content_hash()]
        created = sum(1 for r in changed if r.id not in hashes)
        total = len(changed)
        if progress:
            await progress("writing", 0, total)
        for start in range(0, total, EVENT_BATCH):
            await service.write_records(session, changed[start : start + EVENT_BATCH])
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


async def create_job(session: AsyncSession, job_id: uuid.UUID) -> None:
    await session.execute(
        text("INSERT INTO import_job (id, status, stage) VALUES (:id, 'queued', 'queued')"),
        {"id": job_id},
    )


async def update_job(
    session: AsyncSession,
    job_id: uuid.UUID,
    *,
    status: str,
    stage: str,
    done: int = 0,
    total: int = 0,
    report: dict | None = None,
    finished: bool = False,
) -> None:
    await session.execute(
        text(
            "UPDATE import_job SET status = :status, stage = :stage, done = :done, total = :total,"
            " report = coalesce(CAST(:report AS jsonb), report),"
            " finished_at = CASE WHEN :finished THEN now() ELSE finished_at END WHERE id = :id"
        ),
        {
            "id": job_id,
            "status": status,
            "stage": stage,
            "done": done,
            "total": total,
            "report": None if report is None else json.dumps(report),
            "finished": finished,
        },
    )


async def get_job(session: AsyncSession, job_id: uuid.UUID) -> dict[str, Any] | None:
    row = await session.execute(text("SELECT * FROM import_job WHERE id = :id"), {"id": job_id})
    found = row.mappings().first()
    return dict(found) if found else None
