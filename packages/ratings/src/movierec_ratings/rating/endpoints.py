"""HTTP endpoints of the ratings service: /ratings/*."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from movierec_common.deps import CurrentUser, SessionDep
from movierec_common.pagination import MAX_LIMIT, Page, PageParams
from movierec_ratings.rating.schemas import RatingIn, RatingOut, RatingSort, RatingSummaryOut
from movierec_ratings.rating.service import RatingService

router = APIRouter(prefix="/ratings", tags=["ratings"])

MovieId = Annotated[int, Path(ge=1, le=2_147_483_647, description="Movie id")]
AUTH = {401: {"description": "Not logged in, or the account was deleted"}}


def _service(request: Request) -> RatingService:
    return request.app.state.ratings


@router.put(
    "/{movie_id}",
    summary="Rate a movie (201 when new, 200 when changed)",
    responses={
        **AUTH,
        201: {"description": "Rating created"},
        404: {"description": "Unknown movie"},
    },
)
async def set_rating(
    movie_id: MovieId,
    body: RatingIn,
    user: CurrentUser,
    session: SessionDep,
    request: Request,
    response: Response,
) -> RatingOut:
    rating, created = await _service(request).set(
        session, user.user_id, movie_id, float(body.score)
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return rating


@router.delete(
    "/{movie_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove your rating of a movie",
    responses={**AUTH, 404: {"description": "No rating of yours for this movie"}},
)
async def delete_rating(
    movie_id: MovieId, user: CurrentUser, session: SessionDep, request: Request
) -> Response:
    await _service(request).remove(session, user.user_id, movie_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("", summary="Your ratings", response_model=Page[RatingOut], responses=AUTH)
async def list_ratings(
    user: CurrentUser,
    request: Request,
    sort: Annotated[
        RatingSort, Query(description="date (newest first) or score (highest first)")
    ] = RatingSort.date,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    body = await _service(request).list_mine(
        request.app.state.db, user.user_id, sort, PageParams(limit=limit, offset=offset)
    )
    return Response(body, media_type="application/json")


@router.get(
    "/movies/{movie_id}/summary",
    summary="Count, average and histogram of a movie's ratings (public)",
    response_model=RatingSummaryOut,
    responses={404: {"description": "Unknown movie"}},
)
async def movie_summary(movie_id: MovieId, request: Request) -> Response:
    body = await _service(request).summary(request.app.state.db, movie_id)
    return Response(body, media_type="application/json")
