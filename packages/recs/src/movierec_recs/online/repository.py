"""Queries of recommendation feedback and experiments (each by a key or an index)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    REAL,
    DateTime,
    Integer,
    Interval,
    LargeBinary,
    SmallInteger,
    Text,
    Uuid,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.db import array_rows, as_record, insert_rows
from movierec_recs.online.experiments import Experiment, Variant
from movierec_recs.tables import experiment, exposure, feedback, signing_key


async def signing_key_of(session: AsyncSession) -> bytes:
    found = await session.execute(select(signing_key.c.key).where(signing_key.c.id == 1))
    return bytes(found.scalar_one())


# -- experiments -------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredExperiment:
    experiment_id: int
    name: str
    description: str
    variants: list[dict[str, Any]]
    status: str
    created_at: datetime
    started_at: datetime | None
    stopped_at: datetime | None

    def running(self) -> Experiment:
        return Experiment(self.experiment_id, self.name, tuple(Variant(**v) for v in self.variants))


async def create_experiment(
    session: AsyncSession, *, name: str, description: str, variants: list[dict[str, Any]]
) -> StoredExperiment | None:
    """The new experiment (a draft); None if the name is taken."""
    statement = (
        pg_insert(experiment)
        .values(name=name, description=description, variants=variants)
        .on_conflict_do_nothing(index_elements=[experiment.c.name])
        .returning(experiment)
    )
    row = (await session.execute(statement)).first()
    return None if row is None else as_record(StoredExperiment, row)


async def experiment_by_id(session: AsyncSession, experiment_id: int) -> StoredExperiment | None:
    found = await session.execute(
        select(experiment).where(experiment.c.experiment_id == experiment_id)
    )
    row = found.first()
    return None if row is None else as_record(StoredExperiment, row)


async def experiments_page(
    session: AsyncSession, *, limit: int, offset: int
) -> tuple[list[StoredExperiment], int]:
    e = experiment.c
    rows = await session.execute(
        select(experiment).order_by(e.experiment_id.desc()).limit(limit).offset(offset)
    )
    total = await session.execute(select(func.count()).select_from(experiment))
    return [as_record(StoredExperiment, r) for r in rows], int(total.scalar_one())


async def set_status(
    session: AsyncSession, experiment_id: int, *, status: str, before: str
) -> StoredExperiment | None:
    """Move the experiment from ``before`` to ``status`` (stamping the time); None if it
    was not in ``before``."""
    e = experiment.c
    stamp = {"running": {"started_at": func.now()}, "stopped": {"stopped_at": func.now()}}
    statement = (
        update(experiment)
        .where((e.experiment_id == experiment_id) & (e.status == before))
        .values(status=status, **stamp[status])
        .returning(experiment)
    )
    row = (await session.execute(statement)).first()
    return None if row is None else as_record(StoredExperiment, row)


async def running_experiment(session: AsyncSession) -> StoredExperiment | None:
    # ix_experiment_running: at most one row.
    found = await session.execute(select(experiment).where(experiment.c.status == "running"))
    row = found.first()
    return None if row is None else as_record(StoredExperiment, row)


async def expose(
    session: AsyncSession, *, experiment_id: int, user_id: uuid.UUID, variant: int
) -> None:
    """Record that the user was served by the experiment (the first time only)."""
    await session.execute(
        pg_insert(exposure)
        .values(experiment_id=experiment_id, user_id=user_id, variant=variant)
        .on_conflict_do_nothing(constraint="exposure_pkey")
    )


@dataclass(frozen=True)
class UserOutcome:
    """One exposed user's sums in an experiment."""

    variant: int
    impressions: int
    clicks: int
    dismissals: int
    watches: int
    ratings: int
    rating_sum: float


async def outcomes(session: AsyncSession, experiment_id: int) -> list[UserOutcome]:
    """Per exposed user: their variant and what they did with what it served."""
    x, f = exposure.c, feedback.c

    def count(kind: str) -> Any:
        return func.count().filter(f.kind == kind)

    statement = (
        select(
            x.variant,
            count("impression").label("impressions"),
            count("click").label("clicks"),
            count("dismiss").label("dismissals"),
            count("watch").label("watches"),
            count("rating").label("ratings"),
            func.coalesce(func.sum(f.score).filter(f.kind == "rating"), 0.0).label("rating_sum"),
        )
        .select_from(
            exposure.outerjoin(
                feedback, (f.experiment_id == x.experiment_id) & (f.user_id == x.user_id)
            )
        )
        .where(x.experiment_id == experiment_id)
        .group_by(x.user_id, x.variant)
    )
    return [as_record(UserOutcome, r) for r in await session.execute(statement)]


# -- feedback ----------------------------------------------------------------------------

_FEEDBACK_ROWS = array_rows(
    recommendation=LargeBinary(),
    movie_id=Integer(),
    kind=Text(),
    user_id=Uuid(),
    experiment_id=Integer(),
    variant=SmallInteger(),
    strategy=Text(),
)
_RECORD = (
    insert_rows(feedback, _FEEDBACK_ROWS)
    .on_conflict_do_nothing()
    .returning(feedback.c.experiment_id, feedback.c.variant, feedback.c.kind)
)


@dataclass(frozen=True)
class Feedback:
    recommendation: bytes
    movie_id: int
    kind: str
    user_id: uuid.UUID
    experiment_id: int | None
    variant: int | None
    strategy: str


async def record_feedback(
    session: AsyncSession, rows: list[Feedback]
) -> list[tuple[int | None, int | None, str]]:
    """Insert what is new among ``rows`` (replays are skipped); (experiment, variant, kind)
    of each row inserted."""
    if not rows:
        return []
    params = {name: [getattr(r, name) for r in rows] for name in Feedback.__dataclass_fields__}
    inserted = await session.execute(_RECORD, params)
    return [(r.experiment_id, r.variant, r.kind) for r in inserted]


_EVENTS = array_rows(user_id=Uuid(), movie_id=Integer(), at=DateTime(timezone=True), score=REAL())
_SHOWN = feedback.alias("shown")


def _attribution() -> Any:
    e, s = _EVENTS.c, _SHOWN.c
    latest = (
        select(
            s.recommendation,
            e.movie_id,
            bindparam("kind", type_=Text),
            e.user_id,
            s.experiment_id,
            s.variant,
            s.strategy,
            e.score,
            e.at,
        )
        .select_from(
            _EVENTS.join(
                _SHOWN,
                (s.user_id == e.user_id)
                & (s.movie_id == e.movie_id)
                & s.kind.in_(("impression", "click"))
                & (s.created_at <= e.at)
                & (s.created_at > e.at - bindparam("window", type_=Interval)),
            )
        )
        .ext(distinct_on(e.user_id, e.movie_id))
        .order_by(e.user_id, e.movie_id, s.created_at.desc())
    )
    columns = ["recommendation", "movie_id", "kind", "user_id", "experiment_id", "variant"]
    columns += ["strategy", "score", "created_at"]
    return pg_insert(feedback).from_select(columns, latest).on_conflict_do_nothing()


#: Credits watches or ratings to the latest recommendation that showed the movie to the
#: user within the window before (ix_feedback_user_movie).
_ATTRIBUTE = _attribution()


async def attribute(
    session: AsyncSession,
    *,
    kind: str,
    events: list[tuple[uuid.UUID, int, datetime, float | None]],
    window: timedelta,
) -> None:
    if not events:
        return
    users, movies, ats, scores = (list(c) for c in zip(*events, strict=True))
    await session.execute(
        _ATTRIBUTE,
        {"user_id": users, "movie_id": movies, "at": ats, "score": scores,
         "kind": kind, "window": window},
    )  # fmt: skip
