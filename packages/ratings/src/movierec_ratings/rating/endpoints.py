"""HTTP endpoints of the ratings service: /ratings/*."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

from movierec_common.deps import CurrentUser, Principal, current_service
from movierec_common.direct import DirectRoute
from movierec_common.pagination import DEFAULT_LIMIT, Limit, Offset, Page, PageParams
from movierec_ratings.rating.schemas import RatingIn, RatingOut, RatingSort, RatingSummaryOut
from movierec_ratings.rating.service import RatingService
from movierec_userdata.known_movies import OfMovie

router = APIRouter(prefix="/ratings", tags=["ratings"])

RatingsDep = Annotated[RatingService, Depends(current_service)]
MovieId = Annotated[int, Path(ge=1, le=2_147_483_647, description="Movie id")]
AUTH: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in, or the account was deleted"}
}


@router.put(
    "/{movie_id}",
    summary="Rate a movie (201 when new, 200 when changed)",
    response_model=RatingOut,
    responses={
        **AUTH,
        201: {"description": "Rating created"},
        404: {"description": "Unknown movie"},
    },
)
async def set_rating(
    movie_id: MovieId, body: RatingIn, user: CurrentUser, ratings: RatingsDep
) -> Response:
    return await _set_rating(ratings, user, {"movie_id": movie_id}, body, [])


async def _set_rating(
    ratings: RatingService,
    user: Principal,
    ids: dict[str, int],
    body: RatingIn,
    headers: list[tuple[bytes, bytes]],
) -> Response:
    rating, created = await ratings.set(
        user_id=user.user_id, movie_id=ids["movie_id"], score=float(body.score)
    )
    # Serialised here, once: the volume path skips FastAPI's re-validation of the answer.
    return Response(
        rating.model_dump_json(),
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        media_type="application/json",
    )


#: The volume route's happy path, served without FastAPI's machinery.
DIRECT = [DirectRoute("PUT", "/ratings/{movie_id}", RatingIn, _set_rating)]


@router.delete(
    "/{movie_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove your rating of a movie",
    responses={**AUTH, 404: {"description": "No rating of yours for this movie"}},
)
async def delete_rating(movie_id: MovieId, user: CurrentUser, ratings: RatingsDep) -> Response:
    await ratings.remove(user_id=user.user_id, movie_id=movie_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("", summary="Your ratings", response_model=Page[RatingOut], responses=AUTH)
async def list_ratings(
    user: CurrentUser,
    ratings: RatingsDep,
    sort: Annotated[
        RatingSort, Query(description="date (newest first) or score (highest first)")
    ] = RatingSort.date,
    movie_id: OfMovie = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Response:
    page = PageParams(limit=limit, offset=offset)
    body = await ratings.list_mine(user_id=user.user_id, sort=sort, page=page, movie_id=movie_id)
    return Response(body, media_type="application/json")


@router.get(
    "/movies/{movie_id}/summary",
    summary="Count, average and histogram of a movie's ratings (public)",
    response_model=RatingSummaryOut,
    responses={404: {"description": "Unknown movie"}},
)
async def movie_summary(movie_id: MovieId, ratings: RatingsDep) -> Response:
    body = await ratings.summary(movie_id=movie_id)
    return Response(body, media_type="application/json")
