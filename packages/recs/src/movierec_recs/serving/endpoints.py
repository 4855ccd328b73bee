"""HTTP endpoints of the recs service: /recommendations/*."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response, status
from fastapi import Path as Path_

from movierec_common.deps import CurrentUser, current_service, service_of
from movierec_common.genres import Genre
from movierec_common.pagination import DEFAULT_LIMIT, Limit, Page, PageParams
from movierec_common.pagination import Offset as ListOffset
from movierec_recs.serving.recommender import FeedbackItem, Recommender
from movierec_recs.serving.schemas import (
    MAX_FEEDBACK,
    DismissalOut,
    FeedbackIn,
    FeedbackOut,
    ModelInfo,
    RecommendationPage,
    Strategy,
)

router = APIRouter(prefix="/recommendations", tags=["recommendations"])

#: Rankings are computed to offset + limit: deep pages are cut off where they stop being useful.
MAX_OFFSET = 1000
NO_MODEL: dict[int | str, dict[str, Any]] = {503: {"description": "No model has been trained yet"}}

RecommenderDep = Annotated[Recommender, Depends(current_service)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip (≤ 1000).")]
MovieId = Annotated[int, Path_(ge=1, le=2_147_483_647, description="Movie id")]
AUTH: dict[int | str, dict[str, Any]] = {401: {"description": "Not logged in"}}
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
    strategy: Annotated[
        Strategy | None,
        Query(
            description="Which recommender ranks (default: hybrid, or the variant of the"
            " running experiment the user is in when neither strategy nor diversity is given)."
        ),
    ] = None,
    diversity: Annotated[
        float | None,
        Query(
            ge=0,
            le=1,
            description="Variety traded for relevance, 0 (none) to 1 (default: the service's"
            " setting, or the experiment's variant).",
        ),
    ] = None,
    genre: Genres = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Response:
    recommender: Recommender = service_of(request)
    plan = recommender.plan(
        principal.user_id, None if strategy is None else strategy.value, diversity
    )
    body = await recommender.for_user(
        user_id=principal.user_id,
        plan=plan,
        genres=list(dict.fromkeys(genre or [])),
        page=PageParams(limit=limit, offset=offset),
    )
    return _json(body)


@router.post(
    "/feedback",
    summary="What you did with recommendations: impressions, clicks, dismissals",
    response_model=FeedbackOut,
    responses={
        **AUTH,
        404: {"description": "An item names no page served to you: nothing was recorded"},
        422: {"description": "Malformed, or more than 100 items: nothing was recorded"},
    },
)
async def feedback(
    user: CurrentUser,
    recommender: RecommenderDep,
    items: Annotated[
        list[FeedbackIn],
        Body(
            min_length=1,
            max_length=MAX_FEEDBACK,
            description=f"1–{MAX_FEEDBACK} items, each naming a movie of a page served to you"
            " by its recommendation_id. Replays are recorded once.",
        ),
    ],
) -> FeedbackOut:
    found = [FeedbackItem(i.recommendation_id, i.movie_id, i.kind) for i in items]
    counts = await recommender.feedback(user_id=user.user_id, items=found)
    return FeedbackOut(**counts)


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
    movie_id: MovieId,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Response:
    recommender: Recommender = service_of(request)
    body = await recommender.similar(movie_id=movie_id, page=PageParams(limit=limit, offset=offset))
    return _json(body)


@router.get("/model", summary="The model serving now", responses=NO_MODEL)
async def model(recommender: RecommenderDep) -> ModelInfo:
    return ModelInfo.model_validate(recommender.model_info())


# -- "not interested" --------------------------------------------------------------------


@router.put(
    "/dismissals/{movie_id}",
    summary="Not interested: never recommend this movie to me, and fewer like it",
    response_model=DismissalOut,
    responses={
        **AUTH,
        200: {"description": "Dismissed before (kept as it was)"},
        201: {"description": "Dismissed"},
        404: {"description": "Unknown movie"},
    },
)
async def dismiss(movie_id: MovieId, user: CurrentUser, recommender: RecommenderDep) -> Response:
    found, created = await recommender.dismiss(user_id=user.user_id, movie_id=movie_id)
    body = DismissalOut(movie_id=found.movie_id, title=found.title, dismissed_at=found.dismissed_at)
    return Response(
        body.model_dump_json(),
        status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        media_type="application/json",
    )


@router.delete(
    "/dismissals/{movie_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Undo a dismissal: the movie may be recommended again",
    responses={**AUTH, 404: {"description": "Not among your dismissals"}},
)
async def undismiss(movie_id: MovieId, user: CurrentUser, recommender: RecommenderDep) -> Response:
    await recommender.undismiss(user_id=user.user_id, movie_id=movie_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/dismissals",
    summary="The movies you said you are not interested in, newest first",
    response_model=Page[DismissalOut],
    responses=AUTH,
)
async def dismissals(
    user: CurrentUser,
    recommender: RecommenderDep,
    limit: Limit = DEFAULT_LIMIT,
    offset: ListOffset = 0,
) -> Page[DismissalOut]:
    page = PageParams(limit=limit, offset=offset)
    rows, total = await recommender.dismissals(user_id=user.user_id, page=page)
    items = [
        DismissalOut(movie_id=r.movie_id, title=r.title, dismissed_at=r.dismissed_at) for r in rows
    ]
    return Page.of(items, total=total, params=page)
