"""Celery tasks of the movies service."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from movierec_common.cache import create_redis
from movierec_common.db import oneoff_transaction
from movierec_common.logging import get_logger
from movierec_movies.catalog import imports
from movierec_movies.config import get_settings
from movierec_movies.runtime import catalog_for, database_for
from movierec_movies.worker import celery_app

log = get_logger(__name__)


async def _import(job_id: uuid.UUID, data_dir: Path, imdb_file: Path | None) -> None:
    settings = get_settings()
    url = settings.resolved_database_url
    redis_client = create_redis(settings.redis_url)
    database = database_for(settings)

    async def progress(stage: str, done: int, total: int) -> None:
        async with oneoff_transaction(url) as session:
            await imports.update_job(
                session, job_id, status="running", stage=stage, done=done, total=total
            )

    try:
        await progress("reading", 0, 0)
        report = await imports.import_catalog(
            database,
            catalog_for(settings, redis_client),
            data_dir=data_dir,
            imdb_file=imdb_file,
            progress=progress,
        )
        async with oneoff_transaction(url) as session:
            await imports.update_job(
                session,
                job_id,
                status="succeeded",
                stage="done",
                done=report["events"],
                total=report["events"],
                report=report,
                finished=True,
            )
        log.info(
            "catalog_imported",
            job_id=str(job_id),
            **{k: report[k] for k in ("created", "updated", "unchanged", "enriched", "skipped")},
        )
    except Exception as exc:
        async with oneoff_transaction(url) as session:
            await imports.update_job(
                session,
                job_id,
                status="failed",
                stage="failed",
                report={"error": str(exc)[:2000]},
                finished=True,
            )
        raise
    finally:
        await database.dispose()
        await redis_client.aclose()


@celery_app.task(name="movierec_movies.import_catalog")
def import_catalog(job_id: str, data_dir: str, imdb_file: str | None) -> None:
    asyncio.run(_import(uuid.UUID(job_id), Path(data_dir), Path(imdb_file) if imdb_file else None))
