"""The recs service, declared once (see movierec_common.service)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from movierec_common.service import ServiceSpec
from movierec_recs.cli import evaluate_command, recommend_batch, train
from movierec_recs.config import Settings
from movierec_recs.readmodel.handlers import readmodel_handlers
from movierec_recs.serving.endpoints import router
from movierec_recs.serving.experiments import router as experiments_router
from movierec_recs.serving.recommender import Recommender
from movierec_recs.tables import metadata
from movierec_recs.tasks import beat, register_forget_task, register_train_task


@asynccontextmanager
async def lifespan(recommender: Recommender) -> AsyncIterator[None]:
    async with recommender.state.serving():
        yield


spec: ServiceSpec[Settings, Recommender] = ServiceSpec(
    name="recs", prefix="recommendations", port=8005, settings=Settings, service=Recommender,
    title="movierec recommendations",
    description="Personal recommendations with reasons, fresh after every watch and rating.",
    routers=[router, experiments_router], handlers=readmodel_handlers, beat=beat, lifespan=lifespan,
    tasks=[register_train_task, register_forget_task],
    commands=[evaluate_command, recommend_batch, train],
    tables=[metadata], migrations=Path(__file__).parent / "migrations",
)  # fmt: skip
