"""Recommendations for a request: cached pages, request-time scoring, reasons in words.

A user's pages are cached (Redis + in-process) under keys holding the user's generation
(bumped by the consumer after each of their events), the model version and the catalog
revision: an event, a new model or a catalog change each make the next request score
afresh, and nothing stale can be found.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from prometheus_client import Counter
from scipy import sparse
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.consumer import is_tombstoned
from movierec_common.errors import AccountDeletedError, NotFoundError
from movierec_common.pagination import PageParams
from movierec_common.service import Runtime
from movierec_recs.config import Settings
from movierec_recs.models.bundle import explain as explain_items
from movierec_recs.models.bundle import genre_mask, ranked, recommend
from movierec_recs.online import repository as online
from movierec_recs.online import tokens
from movierec_recs.online.experiments import Experiment
from movierec_recs.online.service import Experiments
from movierec_recs.readmodel import repository
from movierec_recs.serving.state import ServingState, Snapshot

#: Feedback per click, impression, dismissal and variant (Prometheus).
FEEDBACK = Counter(
    "movierec_recs_feedback_total",
    "Feedback recorded on recommendations (replays not counted).",
    ["experiment", "variant", "kind"],
)


@dataclass(frozen=True)
class Plan:
    """How one /recommendations request is served: by an experiment's variant or as the
    request asked."""

    strategy: str
    diversity: float
    experiment: Experiment | None = None
    variant: int | None = None


@dataclass(frozen=True)
class FeedbackItem:
    recommendation_id: str
    movie_id: int
    kind: str


def _window(snapshot: Snapshot) -> str:
    days = snapshot.bundle.parts["popular"].half_life_days
    return f"activity weighted by a {days:g}-day half-life"


class Recommender:
    """The recs service: serving from the newest model, over read models kept by its
    consumer (see readmodel.handlers)."""

    def __init__(self, runtime: Runtime[Settings, Recommender]) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.cache = runtime.cache
        self.database = runtime.database
        self.state = ServingState(
            runtime.database, refresh_seconds=runtime.settings.refresh_seconds
        )
        self.implicit_score = runtime.settings.implicit_score
        self.experiments = Experiments(runtime.database, self.state)

    def generation_key(self, user_id: uuid.UUID | str) -> str:
        """The counter every cached recommendation page of the user is keyed by."""
        return self.cache.key("gen", user_id)

    # -- the endpoints' entry points (cached JSON bytes) ---------------------------------

    def plan(self, user_id: uuid.UUID, strategy: str | None, diversity: float | None) -> Plan:
        """A request that leaves strategy and diversity to the service is served by the
        running experiment's variant for the user, if one runs."""
        experiment = self.state.experiment
        if strategy is None and diversity is None and experiment is not None:
            index = experiment.bucket(user_id)
            variant = experiment.variants[index]
            return Plan(variant.strategy, variant.diversity, experiment, index)
        return Plan(
            strategy or "hybrid", self.settings.diversity if diversity is None else diversity
        )

    async def for_user(
        self, *, user_id: uuid.UUID, plan: Plan, genres: list[str], page: PageParams
    ) -> bytes:
        limit, offset = page.limit, page.offset
        snapshot = self.state.require()
        user = str(user_id)
        generation = await self.cache.generation(self.generation_key(user))
        experiment = plan.experiment.experiment_id if plan.experiment else ""
        key = self.cache.key(
            "u", user, generation, snapshot.version, snapshot.catalog_revision, plan.strategy,
            plan.diversity, experiment, plan.variant, ",".join(sorted(genres)), limit, offset,
        )  # fmt: skip
        return await self.cache.get_or_set_raw(
            key, lambda: self._for_user(snapshot, user_id, plan, genres, limit, offset)
        )

    async def popular(self, *, genres: list[str], page: PageParams) -> bytes:
        limit, offset = page.limit, page.offset
        snapshot = self.state.require()
        key = self.cache.key(
            "popular", snapshot.version, snapshot.catalog_revision, ",".join(sorted(genres)),
            limit, offset,
        )  # fmt: skip
        return await self.cache.get_or_set_raw(
            key, lambda: self._popular(snapshot, genres, limit, offset)
        )

    async def similar(self, *, movie_id: int, page: PageParams) -> bytes:
        limit, offset = page.limit, page.offset
        snapshot = self.state.require()
        item = snapshot.bundle.dataset.item_index.get(movie_id)
        if item is None or not snapshot.available[item]:
            raise NotFoundError(f"Movie {movie_id} not found.")
        key = self.cache.key(
            "similar", movie_id, snapshot.version, snapshot.catalog_revision, limit, offset
        )
        return await self.cache.get_or_set_raw(
            key, lambda: self._similar(snapshot, item, limit, offset)
        )

    # -- "not interested" ------------------------------------------------------------------

    async def dismiss(
        self, *, user_id: uuid.UUID, movie_id: int
    ) -> tuple[repository.Dismissal, bool]:
        """Never recommend ``movie_id`` to the user again (and rank movies like it lower),
        from their next request on; whether the dismissal is new."""
        async with self.database.transaction() as session:
            if await is_tombstoned(session, "user", user_id):
                raise AccountDeletedError
            if not await repository.movie_exists(session, movie_id):
                raise NotFoundError(f"Movie {movie_id} not found.")
            found = await repository.dismiss(session, user_id=user_id, movie_id=movie_id)
            self._touched(session, user_id)
        return found

    async def undismiss(self, *, user_id: uuid.UUID, movie_id: int) -> None:
        async with self.database.transaction() as session:
            if not await repository.undismiss(session, user_id=user_id, movie_id=movie_id):
                raise NotFoundError(f"Movie {movie_id} is not among your dismissals.")
            self._touched(session, user_id)

    async def dismissals(
        self, *, user_id: uuid.UUID, page: PageParams
    ) -> tuple[list[repository.Dismissal], int]:
        async with self.database.transaction() as session:
            return await repository.dismissals_of(
                session, user_id=user_id, limit=page.limit, offset=page.offset
            )

    def _touched(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        # The user's cached pages are keyed by their generation: the next request scores anew.
        self.cache.invalidate_after_commit(session, generations=[self.generation_key(str(user_id))])

    # -- feedback --------------------------------------------------------------------------

    async def feedback(self, *, user_id: uuid.UUID, items: list[FeedbackItem]) -> dict[str, int]:
        """Record impressions, clicks and dismissals of what was served to the user, all or
        nothing: every item must name a movie of a page served to this user, recently.
        Replays are skipped; a dismissal also says "not interested" in the movie."""
        key = self._signing_key()
        oldest = time.time() - self.settings.feedback_max_age_hours * 3600
        rows: list[online.Feedback] = []
        errors: list[dict[str, str]] = []
        for n, item in enumerate(items):
            field = f"{n}.recommendation_id"
            try:
                served, mac = tokens.read(key, item.recommendation_id)
            except tokens.InvalidRecommendationError as exc:
                errors.append({"field": field, "location": "body", "message": str(exc)})
                continue
            if served.user_id != user_id:
                message = "this recommendation was not served to you"
                errors.append({"field": field, "location": "body", "message": message})
            elif served.issued_at < oldest:
                message = "this recommendation is too old for feedback"
                errors.append({"field": field, "location": "body", "message": message})
            elif item.movie_id not in served.movie_ids:
                message = f"movie {item.movie_id} was not in this recommendation"
                errors.append({"field": f"{n}.movie_id", "location": "body", "message": message})
            else:
                rows.append(
                    online.Feedback(
                        recommendation=mac,
                        movie_id=item.movie_id,
                        kind=item.kind,
                        user_id=user_id,
                        experiment_id=served.experiment_id,
                        variant=served.variant,
                        strategy=served.strategy,
                    )
                )
        if errors:
            # (404: the request is well formed, what it names was not served to the user.)
            raise NotFoundError("Feedback refused: nothing was recorded.", errors=errors)
        dismissed = sorted({r.movie_id for r in rows if r.kind == "dismiss"})
        async with self.database.transaction() as session:
            if await is_tombstoned(session, "user", user_id):
                raise AccountDeletedError
            recorded = await online.record_feedback(session, rows)
            await repository.dismiss_many(session, user_id=user_id, movie_ids=dismissed)
            if dismissed:
                self._touched(session, user_id)
        self._count(recorded)
        return {"recorded": len(recorded), "replayed": len(rows) - len(recorded)}

    @staticmethod
    def _count(recorded: list[tuple[int | None, int | None, str]]) -> None:
        for experiment_id, variant, kind in recorded:
            experiment = "none" if experiment_id is None else str(experiment_id)
            FEEDBACK.labels(experiment, "none" if variant is None else str(variant), kind).inc()

    def model_info(self) -> dict[str, Any]:
        snapshot = self.state.require()
        manifest = snapshot.manifest
        return {
            "version": snapshot.version,
            "trained_at": manifest["trained_at"],
            "algorithm": manifest["algorithm"],
            "metrics": manifest.get("metrics", {}),
            "sizes": manifest.get("sizes", {}),
            "fit_seconds": manifest.get("fit_seconds"),
            "training_seconds": manifest.get("training_seconds"),
            "weights": manifest.get("weights", {}),
            "catalog_items": int(snapshot.available.sum()),
        }

    # -- scoring -------------------------------------------------------------------------

    async def _for_user(
        self,
        snapshot: Snapshot,
        user_id: uuid.UUID,
        plan: Plan,
        genres: list[str],
        limit: int,
        offset: int,
    ) -> dict[str, Any]:
        strategy = plan.strategy
        async with self.database.transaction() as session:
            if await is_tombstoned(session, "user", user_id):
                raise AccountDeletedError
            profile = await repository.user_profile(session, user_id)
            if plan.experiment is not None and plan.variant is not None:
                await online.expose(
                    session,
                    experiment_id=plan.experiment.experiment_id,
                    user_id=user_id,
                    variant=plan.variant,
                )
        favorites = profile.favorites
        bundle = snapshot.bundle
        index = bundle.dataset.item_index
        known = [(index[m], s) for m, s in profile.pairs if m in index]
        dismissed = np.asarray([index[m] for m in profile.dismissed if m in index], np.int64)
        row = sparse.csr_matrix(
            (
                np.asarray([self.implicit_score if s is None else s for _, s in known], np.float32),
                (np.zeros(len(known), np.int32), np.asarray([i for i, _ in known], np.int32)),
            ),
            shape=(1, bundle.dataset.n_items),
        )
        allowed = snapshot.available & genre_mask(bundle, genres) if genres else snapshot.available
        entries = recommend(
            bundle,
            row,
            strategy=strategy,
            k=limit,
            offset=offset,
            favorite_genres=favorites,
            user=bundle.dataset.user_index.get(str(user_id)),
            allowed=allowed,
            dismissed=dismissed,
            diversity=plan.diversity,
        )
        items = [
            self._item(snapshot, e["item"], e["score"], e["reason"], genres, favorites)
            for e in entries
        ]
        page = self._page(snapshot, items, strategy, limit, offset)
        experiment = plan.experiment
        page["recommendation_id"] = tokens.issue(
            self._signing_key(),
            tokens.Served(
                user_id=user_id,
                issued_at=int(time.time()),
                strategy=strategy,
                experiment_id=experiment.experiment_id if experiment else None,
                variant=plan.variant,
                offset=offset,
                movie_ids=tuple(item["movie_id"] for item in items),
            ),
        )
        page["diversity"] = plan.diversity
        if experiment is not None and plan.variant is not None:
            page["experiment"] = experiment.name
            page["variant"] = experiment.variants[plan.variant].name
        return page

    def _signing_key(self) -> bytes:
        key = self.state.signing_key
        if key is None:  # (read with the first model: no page is served before)
            raise RuntimeError("the signing key has not been read yet")
        return key

    async def _popular(
        self, snapshot: Snapshot, genres: list[str], limit: int, offset: int
    ) -> dict[str, Any]:
        bundle = snapshot.bundle
        scores = bundle.parts["popular"].item_scores
        allowed = snapshot.available & genre_mask(bundle, genres) if genres else snapshot.available
        items = [
            self._item(snapshot, i, float(scores[i]), {"kind": "popular"}, genres, [])
            for i in ranked(scores, allowed, offset, offset + limit)
        ]
        return self._page(snapshot, items, "popular", limit, offset)

    async def _similar(
        self, snapshot: Snapshot, item: int, limit: int, offset: int
    ) -> dict[str, Any]:
        bundle = snapshot.bundle
        row = sparse.csr_matrix(
            (np.ones(1, np.float32), ([0], [item])), shape=(1, bundle.dataset.n_items)
        )
        scores = bundle.strategy("similar").score(row)[0]
        allowed = snapshot.available.copy()
        allowed[item] = False
        chosen = ranked(scores, allowed, offset, offset + limit)
        items = []
        for i, found in zip(chosen, explain_items(bundle, row, chosen, "hybrid"), strict=True):
            # Co-ratings name the movie itself; otherwise say what makes the two alike.
            reason = found
            if found["kind"] == "because_you_watched":
                reason = {"kind": "similar_content", "because_of": item}
            elif found["kind"] == "taste":
                reason = {"kind": "taste", "because_of": item}
            items.append(self._item(snapshot, i, float(scores[i]), reason, [], []))
        return self._page(snapshot, items, "similar", limit, offset)

    # -- formatting ----------------------------------------------------------------------

    def _item(
        self,
        snapshot: Snapshot,
        item: int,
        score: float,
        reason: dict[str, Any],
        genres: list[str],
        favorites: list[str],
    ) -> dict[str, Any]:
        dataset = snapshot.bundle.dataset
        year = int(dataset.years[item])
        return {
            "movie_id": int(dataset.item_ids[item]),
            "title": dataset.titles[item],
            "year": year or None,
            "genres": dataset.genres[item],
            "score": round(score, 6),
            "reason": self._reason(snapshot, item, reason, genres, favorites),
        }

    def _reason(
        self,
        snapshot: Snapshot,
        item: int,
        reason: dict[str, Any],
        genres: list[str],
        favorites: list[str],
    ) -> dict[str, Any]:
        dataset = snapshot.bundle.dataset
        kind = reason["kind"]
        other = reason.get("because_of")
        title = dataset.titles[other] if other is not None else ""
        if kind == "viewers_also_liked":
            text = f"Viewers who liked {title} also liked this"
        elif kind == "because_you_watched":
            text = f"Because you watched {title}"
        elif kind == "similar_content":
            text = f"Shares genres, era, tags or people with {title}"
        elif kind == "taste" and other is not None:
            text = f"Liked by the same viewers as {title} in the learned taste model"
        elif kind == "taste":
            text = "Close to your taste as learned from everything you watched and rated"
        elif kind == "favorite_genres":
            matched = [g for g in favorites if g in dataset.genres[item]]
            text = f"Popular in {matched[0]}, one of your favorite genres ({_window(snapshot)})"
        else:
            where = f" in {' & '.join(genres)}" if genres else ""
            text = f"Popular{where} lately ({_window(snapshot)})"
        out: dict[str, Any] = {"kind": kind, "text": text}
        if other is not None:
            out["movie_id"] = int(dataset.item_ids[other])
        return out

    @staticmethod
    def _page(
        snapshot: Snapshot, items: list[dict[str, Any]], strategy: str, limit: int, offset: int
    ) -> dict[str, Any]:
        return {
            "items": items,
            "strategy": strategy,
            "model_version": snapshot.version,
            "limit": limit,
            "offset": offset,
        }
