"""HTTP endpoints of the movies service: /movies/*."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi import Path as Path_

from movierec_common.deps import AdminUser, SessionDep, current_service, service_of
from movierec_common.errors import ProblemError
from movierec_common.genres import Genre
from movierec_common.pagination import (
    DEFAULT_LIMIT,
    Limit,
    Offset,
    Page,
    PageParams,
)
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

CatalogDep = Annotated[CatalogService, Depends(current_service)]
#: Movie ids are PostgreSQL integers: anything larger is simply not a movie id.
MovieIdPath = Annotated[int, Path_(ge=1, le=2_147_483_647, description="Movie id")]
ADMIN: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"},
    403: {"description": "Not an administrator"},
}


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
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
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
    # A hot cached read: no dependencies (see service_of), and the database is opened only
    # on a cache miss.
    catalog: CatalogService = service_of(request)
    body = await catalog.search(
        filters=filters,
        genres=list(dict.fromkeys(genre or [])),
        sort=sort,
        page=PageParams(limit=limit, offset=offset),
    )
    # Cached JSON goes out as it is: no decode/validate/encode round trip on the hot path.
    return Response(body, media_type="application/json")


@router.get("/genres", summary="The genre vocabulary with movie counts")
async def list_genres(catalog: CatalogDep) -> list[GenreOut]:
    return await catalog.genres()


@router.get("/people", summary="Find actors and directors by name")
async def list_people(
    session: SessionDep,
    catalog: CatalogDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[PersonOut]:
    return await catalog.people(session, q=q, page=PageParams(limit=limit, offset=offset))


@router.get(
    "/{movie_id}",
    summary="One movie, in full",
    response_model=MovieDetail,
    responses={404: {"description": "Unknown movie"}},
)
async def get_movie(movie_id: MovieIdPath, request: Request) -> Response:
    # The hottest read: no dependencies (see service_of).
    catalog: CatalogService = service_of(request)
    raw = await catalog.get_raw(movie_id=movie_id)
    return Response(raw, media_type="application/json")


@router.post("", status_code=status.HTTP_201_CREATED, summary="Add a movie", responses=ADMIN)
async def create_movie(
    body: MovieCreate, _: AdminUser, session: SessionDep, catalog: CatalogDep
) -> MovieDetail:
    return await catalog.create(session, data=body)


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
    catalog: CatalogDep,
) -> MovieDetail:
    return await catalog.update(session, movie_id=movie_id, data=body)


@router.delete(
    "/{movie_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a movie",
    responses={**ADMIN, 404: {"description": "Unknown movie"}},
)
async def delete_movie(
    movie_id: MovieIdPath, _: AdminUser, session: SessionDep, catalog: CatalogDep
) -> Response:
    await catalog.delete(session, movie_id=movie_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/imports",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start a catalog import in the background (Celery)",
    responses=ADMIN,
)
async def start_import(
    body: ImportRequest, _: AdminUser, session: SessionDep, catalog: CatalogDep, response: Response
) -> ImportJobOut:
    job = await catalog.start_import(session, data_dir=body.data_dir, imdb_file=body.imdb_file)
    response.headers["Location"] = f"/movies/imports/{job.id}"
    return ImportJobOut.model_validate(job, from_attributes=True)


@router.get(
    "/imports/{job_id}",
    summary="Progress and report of an import",
    responses={**ADMIN, 404: {"description": "Unknown job"}},
)
async def get_import(
    job_id: uuid.UUID, _: AdminUser, session: SessionDep, catalog: CatalogDep
) -> ImportJobOut:
    job = await catalog.job(session, job_id=job_id)
    return ImportJobOut.model_validate(job, from_attributes=True)
