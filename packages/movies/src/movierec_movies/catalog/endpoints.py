"""HTTP endpoints of the movies service: /movies/*."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi import Path as Path_

from movierec_common.celery_app import task_queue_name
from movierec_common.demo import default_imdb_file, resolve_data_dir
from movierec_common.deps import AdminUser, SessionDep
from movierec_common.errors import ProblemError
from movierec_common.genres import Genre
from movierec_common.outbox import record, task_message
from movierec_common.pagination import MAX_LIMIT, Page, PageParams, PageParamsDep
from movierec_movies.catalog import imports
from movierec_movies.catalog.exceptions import ImportJobNotFoundError, ImportSourceError
from movierec_movies.catalog.repository import Filters
from movierec_movies.catalog.schemas import (
    GenreOut,
    ImportJobOut,
    ImportRequest,
    MovieCreate,
    MovieDetail,
    MovieSummary,
    MovieUpdate,
    PersonOut,
    Sort,
)
from movierec_movies.catalog.service import CatalogService

router = APIRouter(prefix="/movies", tags=["movies"])

#: Movie ids are PostgreSQL integers: anything larger is simply not a movie id.
MovieIdPath = Annotated[int, Path_(ge=1, le=2_147_483_647, description="Movie id")]
ADMIN = {401: {"description": "Not logged in"}, 403: {"description": "Not an administrator"}}


async def get_service(request: Request) -> CatalogService:
    return request.app.state.catalog


ServiceDep = Annotated[CatalogService, Depends(get_service)]


@router.get("", summary="Search, filter and sort the catalog", response_model=Page[MovieSummary])
async def list_movies(
    request: Request,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Full-text over title, description, people; typos ok."),
    ] = None,
    genre: Annotated[
        list[Genre] | None, Query(max_length=19, description="Repeatable; all must match.")
    ] = None,
    year_from: Annotated[int | None, Query(ge=1800, le=2200)] = None,
    year_to: Annotated[int | None, Query(ge=1800, le=2200)] = None,
    actor: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    director: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    sort: Annotated[
        Sort | None, Query(description="Default: relevance with q, else popularity.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1–100).")] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")] = 0,
) -> Response:
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ProblemError(
            f"year_from ({year_from}) must not be after year_to ({year_to}).", status_code=422
        )
    if sort is Sort.relevance and not (q and q.strip()):
        raise ProblemError("sort=relevance needs a search query q.", status_code=422)
    filters = Filters(
        q=q.strip() if q and q.strip() else None,
        year_from=year_from,
        year_to=year_to,
        actor=actor,
        director=director,
    )
    # A hot cached read: state is read directly (each dependency costs per request) and the
    # database is opened only on a cache miss.
    service: CatalogService = request.app.state.catalog
    body = await service.search(
        request.app.state.db,
        filters=filters,
        genres=list(dict.fromkeys(genre or [])),
        sort=sort,
        page=PageParams(limit=limit, offset=offset),
    )
    # Cached JSON goes out as it is: no decode/validate/encode round trip on the hot path.
    return Response(body, media_type="application/json")


@router.get("/genres", summary="The genre vocabulary with movie counts")
async def list_genres(session: SessionDep, service: ServiceDep) -> list[GenreOut]:
    return await service.genres(session)


@router.get("/people", summary="Find actors and directors by name")
async def list_people(
    session: SessionDep,
    service: ServiceDep,
    page: PageParamsDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[PersonOut]:
    return await service.people(session, q, page)


@router.get(
    "/{movie_id}",
    summary="One movie, in full",
    response_model=MovieDetail,
    responses={404: {"description": "Unknown movie"}},
)
async def get_movie(movie_id: MovieIdPath, request: Request) -> Response:
    # The hottest read: state is read directly rather than through two more dependencies.
    service: CatalogService = request.app.state.catalog
    raw = await service.get_raw(request.app.state.db, movie_id)
    return Response(raw, media_type="application/json")


@router.post("", status_code=status.HTTP_201_CREATED, summary="Add a movie", responses=ADMIN)
async def create_movie(
    body: MovieCreate, _: AdminUser, session: SessionDep, service: ServiceDep
) -> MovieDetail:
    return await service.create(session, body)


@router.patch(
    "/{movie_id}",
    summary="Change a movie",
    responses={**ADMIN, 404: {"description": "Unknown movie"}},
)
async def update_movie(
    movie_id: MovieIdPath,
    body: MovieUpdate,
    _: AdminUser,
    session: SessionDep,
    service: ServiceDep,
) -> MovieDetail:
    return await service.update(session, movie_id, body)


@router.delete(
    "/{movie_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a movie",
    responses={**ADMIN, 404: {"description": "Unknown movie"}},
)
async def delete_movie(
    movie_id: MovieIdPath, _: AdminUser, session: SessionDep, service: ServiceDep
) -> Response:
    await service.delete(session, movie_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _allowed(path: Path, roots: list[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(root.resolve()) for root in roots)


@router.post(
    "/imports",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start a catalog import in the background (Celery)",
    responses=ADMIN,
)
async def start_import(
    body: ImportRequest, _: AdminUser, session: SessionDep, request: Request, response: Response
) -> ImportJobOut:
    settings = request.app.state.settings
    try:
        default_dir = resolve_data_dir(None, settings.data)
    except FileNotFoundError:
        default_dir = None
    roots = [*settings.import_roots, *([default_dir.parent] if default_dir else [])]
    data_dir = Path(body.data_dir) if body.data_dir else default_dir
    if data_dir is None or not (data_dir / "movies.csv").is_file():
        raise ImportSourceError("No MovieLens folder (with movies.csv) at the given data_dir.")
    if not _allowed(data_dir, roots):
        raise ImportSourceError("data_dir is outside the folders this service may import from.")
    imdb = Path(body.imdb_file) if body.imdb_file else default_imdb_file(data_dir)
    if imdb is not None and (not imdb.is_file() or not _allowed(imdb, roots)):
        raise ImportSourceError("imdb_file does not exist or is outside the allowed folders.")
    job_id = uuid.uuid4()
    await imports.create_job(session, job_id)
    await record(
        session,
        task_message(
            request.app.state.celery,
            "movierec_movies.import_catalog",
            args=[str(job_id), str(data_dir), str(imdb) if imdb else None],
            queue=task_queue_name(settings),
        ),
    )
    response.headers["Location"] = f"/movies/imports/{job_id}"
    job = await imports.get_job(session, job_id)
    return ImportJobOut.model_validate(job)


@router.get(
    "/imports/{job_id}",
    summary="Progress and report of an import",
    responses={**ADMIN, 404: {"description": "Unknown job"}},
)
async def get_import(job_id: uuid.UUID, _: AdminUser, session: SessionDep) -> ImportJobOut:
    job = await imports.get_job(session, job_id)
    if job is None:
        raise ImportJobNotFoundError
    return ImportJobOut.model_validate(job)
