"""HTTP endpoints of the recs service: /recommendations/*."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as Path_

from movierec_common.deps import CurrentUser, current_service, service_of
from movierec_common.genres import Genre
from movierec_common.pagination import DEFAULT_LIMIT, Limit, PageParams
from movierec_recs.serving.recommender import Recommender
from movierec_recs.serving.schemas import ModelInfo, RecommendationPage, Strategy

router = APIRouter(prefix="/recommendations", tags=["recommendations"])

#: Rankings are computed to offset + limit: deep pages are cut off where they stop being useful.
MAX_OFFSET = 1000
NO_MODEL: dict[int | str, dict[str, Any]] = {503: {"description": "No model has been trained yet"}}

RecommenderDep = Annotated[Recommender, Depends(current_service)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip (≤ 1000).")]
Genres = Annotated[
    list[Genre] | None, Query(max_length=19, description="Repeatable; all must match.")
]


# The reads below are hot and cached: they take no dependencies beyond the caller's
# identity (see service_of).


def _json(body: bytes) -> Response:
    # Cached JSON goes out as it is: no decode/validate/encode round trip on the hot path.
    return Response(body, media_type="application/json")


@router.get(
    "",
    summary="Personal recommendations, each with its reason",
    response_model=RecommendationPage,
    responses={401: {"description": "Not logged in"}, **NO_MODEL},
)
async def recommendations(
    request: Request,
    principal: CurrentUser,
    strategy: Annotated[Strategy, Query(description="Which recommender ranks.")] = Strategy.hybrid,
    genre: Genres = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Response:
    recommender: Recommender = service_of(request)
    body = await recommender.for_user(
        user_id=principal.user_id,
        strategy=strategy.value,
        genres=list(dict.fromkeys(genre or [])),
        page=PageParams(limit=limit, offset=offset),
    )
    return _json(body)


@router.get(
    "/popular",
    summary="Popular movies lately, overall or in genres",
    response_model=RecommendationPage,
    responses=NO_MODEL,
)
async def popular(
    request: Request, genre: Genres = None, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> Response:
    recommender: Recommender = service_of(request)
    genres = list(dict.fromkeys(genre or []))
    body = await recommender.popular(genres=genres, page=PageParams(limit=limit, offset=offset))
    return _json(body)


@router.get(
    "/similar/{movie_id}",
    summary="Movies similar to one movie",
    response_model=RecommendationPage,
    responses={404: {"description": "Unknown movie"}, **NO_MODEL},
)
async def similar(
    request: Request,
    movie_id: Annotated[int, Path_(ge=1, le=2_147_483_647, description="Movie id")],
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Response:
    recommender: Recommender = service_of(request)
    body = await recommender.similar(movie_id=movie_id, page=PageParams(limit=limit, offset=offset))
    return _json(body)


@router.get("/model", summary="The model serving now", responses=NO_MODEL)
async def model(recommender: RecommenderDep) -> ModelInfo:
    return ModelInfo.model_validate(recommender.model_info())
