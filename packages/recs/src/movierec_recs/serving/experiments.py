"""Admin endpoints of experiments: /recommendations/experiments/*."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from fastapi import Path as Path_

from movierec_common.deps import AdminUser, current_service
from movierec_common.pagination import DEFAULT_LIMIT, Limit, Offset, Page, PageParams
from movierec_recs.online.repository import StoredExperiment
from movierec_recs.serving.recommender import Recommender
from movierec_recs.serving.schemas import ExperimentIn, ExperimentOut, ExperimentResults

router = APIRouter(prefix="/recommendations/experiments", tags=["experiments"])

RecommenderDep = Annotated[Recommender, Depends(current_service)]
ExperimentId = Annotated[int, Path_(ge=1, le=2_147_483_647, description="Experiment id")]
ADMIN: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"},
    403: {"description": "Not an admin"},
}
UNKNOWN: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown experiment"}}


def _out(found: StoredExperiment) -> ExperimentOut:
    return ExperimentOut.model_validate(found, from_attributes=True)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an experiment (a draft): 2–4 variants of the default feed",
    responses={**ADMIN, 409: {"description": "The name is taken"}},
)
async def create(body: ExperimentIn, _: AdminUser, recommender: RecommenderDep) -> ExperimentOut:
    default = recommender.settings.diversity
    created = await recommender.experiments.create(
        name=body.name,
        description=body.description,
        variants=[
            {
                **v.model_dump(mode="json"),
                "diversity": default if v.diversity is None else v.diversity,
            }
            for v in body.variants
        ],
    )
    return _out(created)


@router.get("", summary="Experiments, newest first", responses=ADMIN)
async def experiments(
    _: AdminUser, recommender: RecommenderDep, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> Page[ExperimentOut]:
    page = PageParams(limit=limit, offset=offset)
    rows, total = await recommender.experiments.page(page)
    return Page.of([_out(r) for r in rows], total=total, params=page)


@router.get("/{experiment_id}", summary="One experiment", responses={**ADMIN, **UNKNOWN})
async def experiment(
    experiment_id: ExperimentId, _: AdminUser, recommender: RecommenderDep
) -> ExperimentOut:
    return _out(await recommender.experiments.get(experiment_id))


@router.post(
    "/{experiment_id}/start",
    summary="Start a draft: users are bucketed into its variants from their next request",
    responses={**ADMIN, **UNKNOWN, 409: {"description": "Not a draft, or another one runs"}},
)
async def start(
    experiment_id: ExperimentId, _: AdminUser, recommender: RecommenderDep
) -> ExperimentOut:
    return _out(await recommender.experiments.start(experiment_id))


@router.post(
    "/{experiment_id}/stop",
    summary="Stop a running experiment (its results stay)",
    responses={**ADMIN, **UNKNOWN, 409: {"description": "Not running"}},
)
async def stop(
    experiment_id: ExperimentId, _: AdminUser, recommender: RecommenderDep
) -> ExperimentOut:
    return _out(await recommender.experiments.stop(experiment_id))


@router.get(
    "/{experiment_id}/results",
    summary="Per variant: users, impressions, rates with 95 % intervals, and the verdict",
    responses={**ADMIN, **UNKNOWN},
)
async def results(
    experiment_id: ExperimentId, _: AdminUser, recommender: RecommenderDep
) -> ExperimentResults:
    return ExperimentResults.model_validate(await recommender.experiments.results(experiment_id))
