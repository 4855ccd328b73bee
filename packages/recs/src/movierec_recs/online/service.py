"""Experiments as the admin API sees them: create, start, stop, results."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy.exc import IntegrityError

from movierec_common.db import Database
from movierec_common.errors import ConflictError, NotFoundError
from movierec_common.pagination import PageParams
from movierec_recs.online import repository as online
from movierec_recs.online.stats import Arm, verdict
from movierec_recs.serving.state import ServingState


class Experiments:
    def __init__(self, database: Database, state: ServingState) -> None:
        self.database = database
        self.state = state

    async def create(
        self, *, name: str, description: str, variants: list[dict[str, Any]]
    ) -> online.StoredExperiment:
        async with self.database.transaction() as session:
            created = await online.create_experiment(
                session, name=name, description=description, variants=variants
            )
        if created is None:
            raise ConflictError(f"An experiment named {name!r} exists already.")
        return created

    async def page(self, page: PageParams) -> tuple[list[online.StoredExperiment], int]:
        async with self.database.transaction() as session:
            return await online.experiments_page(session, limit=page.limit, offset=page.offset)

    async def get(self, experiment_id: int) -> online.StoredExperiment:
        async with self.database.transaction() as session:
            found = await online.experiment_by_id(session, experiment_id)
        if found is None:
            raise NotFoundError(f"Experiment {experiment_id} not found.")
        return found

    async def start(self, experiment_id: int) -> online.StoredExperiment:
        """Run a draft; one experiment runs at a time."""
        try:
            async with self.database.transaction() as session:
                running = await online.running_experiment(session)
                if running is not None and running.experiment_id != experiment_id:
                    raise self._one_at_a_time(repr(running.name))
                started = await online.set_status(
                    session, experiment_id, status="running", before="draft"
                )
        except IntegrityError as exc:
            # Another draft was started at the same moment (ix_experiment_running).
            raise self._one_at_a_time("another") from exc
        if started is None:
            raise self._not_in(await self.get(experiment_id), "a draft", "start")
        # This replica serves it at once; the others within their refresh interval.
        self.state.experiment = started.running()
        return started

    async def stop(self, experiment_id: int) -> online.StoredExperiment:
        async with self.database.transaction() as session:
            stopped = await online.set_status(
                session, experiment_id, status="stopped", before="running"
            )
        if stopped is None:
            raise self._not_in(await self.get(experiment_id), "running", "stop")
        current = self.state.experiment
        if current is not None and current.experiment_id == experiment_id:
            self.state.experiment = None
        return stopped

    @staticmethod
    def _one_at_a_time(name: str) -> ConflictError:
        return ConflictError(
            f"Experiment {name} is running: stop it first (one runs at a time, each user"
            " sees one variant of the default feed)."
        )

    @staticmethod
    def _not_in(found: online.StoredExperiment, state: str, action: str) -> ConflictError:
        return ConflictError(
            f"Experiment {found.name!r} is {found.status}, not {state}: cannot {action} it."
        )

    async def results(self, experiment_id: int) -> dict[str, Any]:
        found = await self.get(experiment_id)
        async with self.database.transaction() as session:
            outcomes = await online.outcomes(session, experiment_id)
        arms = []
        for index in range(len(found.variants)):
            mine = [o for o in outcomes if o.variant == index]

            def column(name: str, rows: list[online.UserOutcome] = mine) -> np.ndarray:
                return np.asarray([getattr(o, name) for o in rows], np.float64)

            arms.append(
                Arm(
                    impressions=column("impressions"),
                    clicks=column("clicks"),
                    dismissals=column("dismissals"),
                    watches=column("watches"),
                    ratings=column("ratings"),
                    rating_sums=column("rating_sum"),
                )
            )
        names = [v["name"] for v in found.variants]
        variants = [
            {
                **variant,
                "users": arm.users,
                "impressions": int(arm.impressions.sum()),
                "clicks": int(arm.clicks.sum()),
                "watches": int(arm.watches.sum()),
                "ratings": int(arm.ratings.sum()),
                "dismissals": int(arm.dismissals.sum()),
                "metrics": {name: e.as_dict() for name, e in arm.metrics().items()},
            }
            for variant, arm in zip(found.variants, arms, strict=True)
        ]
        return {
            "experiment_id": found.experiment_id,
            "name": found.name,
            "status": found.status,
            "started_at": found.started_at,
            "stopped_at": found.stopped_at,
            "variants": variants,
            "verdict": verdict(arms, names),
        }
