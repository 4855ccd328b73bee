"""HTTP endpoints of the recs service: /recommendations/*."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as Path_

from movierec_common.deps import CurrentUser
from movierec_common.genres import Genre
from movierec_common.pagination import MAX_LIMIT
from movierec_recs.serving.recommender import Recommender
from movierec_recs.serving.schemas import ModelInfo, RecommendationPage, Strategy

router = APIRouter(prefix="/recommendations", tags=["recommendations"])

#: Rankings are computed to offset + limit: deep pages are cut off where they stop being useful.
MAX_OFFSET = 1000
NO_MODEL = {503: {"description": "No model has been trained yet"}}

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1–100).")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip (≤ 1000).")]
Genres = Annotated[
    list[Genre] | None, Query(max_length=19, description="Repeatable; all must match.")
]


def _recommender(request: Request) -> Recommender:
    return request.app.state.recommender


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
    limit: Limit = 20,
    offset: Offset = 0,
) -> Response:
    body = await _recommender(request).for_user(
        principal.user_id,
        strategy=strategy.value,
        genres=list(dict.fromkeys(genre or [])),
        limit=limit,
        offset=offset,
    )
    return _json(body)


@router.get(
    "/popular",
    summary="Popular movies lately, overall or in genres",
    response_model=RecommendationPage,
    responses=NO_MODEL,
)
async def popular(
    request: Request, genre: Genres = None, limit: Limit = 20, offset: Offset = 0
) -> Response:
    body = await _recommender(request).popular(
        genres=list(dict.fromkeys(genre or [])), limit=limit, offset=offset
    )
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
    limit: Limit = 20,
    offset: Offset = 0,
) -> Response:
    body = await _recommender(request).similar(movie_id, limit=limit, offset=offset)
    return _json(body)


@router.get("/model", summary="The model serving now", responses=NO_MODEL)
async def model(request: Request) -> ModelInfo:
    return ModelInfo.model_validate(_recommender(request).model_info())
