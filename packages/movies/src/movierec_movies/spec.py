"""The movies service, declared once (see movierec_common.service)."""

from __future__ import annotations

from pathlib import Path

from movierec_common.service import ServiceSpec
from movierec_movies.catalog.endpoints import router
from movierec_movies.catalog.handlers import catalog_handlers
from movierec_movies.catalog.service import CatalogService
from movierec_movies.cli import import_command
from movierec_movies.config import Settings
from movierec_movies.tables import metadata
from movierec_movies.tasks import register_import_task

spec: ServiceSpec[Settings, CatalogService] = ServiceSpec(
    name="movies", prefix="movies", port=8002, settings=Settings, service=CatalogService,
    title="movierec movies",
    description="The catalog: search, filters, sorting; admin writes and imports.",
    routers=[router], handlers=catalog_handlers, tasks=[register_import_task],
    commands=[import_command], tables=[metadata], migrations=Path(__file__).parent / "migrations",
)  # fmt: skip
