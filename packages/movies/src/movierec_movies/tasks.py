"""Celery tasks of the movies service: the background catalog import."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from celery import Celery

from movierec_common import aio
from movierec_common.logging import get_logger
from movierec_common.service import ServiceSpec
from movierec_movies.catalog.service import IMPORT_TASK, CatalogService
from movierec_movies.config import Settings

log = get_logger(__name__)


def register_import_task(
    celery: Celery, spec: ServiceSpec[Settings, CatalogService], settings: Settings
) -> None:
    async def run(job_id: uuid.UUID, data_dir: Path, imdb_file: Path | None) -> dict[str, Any]:
        async with spec.runtime(settings) as runtime:
            return await runtime.service.run_import_job(
                job_id=job_id, data_dir=data_dir, imdb_file=imdb_file
            )

    @celery.task(name=spec.task_name(IMPORT_TASK), shared=False)
    def import_catalog(job_id: str, data_dir: str, imdb_file: str | None) -> None:
        report = aio.run(
            run(uuid.UUID(job_id), Path(data_dir), Path(imdb_file) if imdb_file else None)
        )
        log.info(
            "catalog_imported",
            job_id=job_id,
            **{k: report[k] for k in ("created", "updated", "unchanged", "enriched", "skipped")},
        )
