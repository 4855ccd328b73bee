"""The ratings service, declared once (see movierec_common.service)."""

from __future__ import annotations

from pathlib import Path

from movierec_common.service import Handlers, ServiceSpec
from movierec_common.sweeps import Sweep
from movierec_ratings.config import Settings
from movierec_ratings.rating.endpoints import DIRECT, router
from movierec_ratings.rating.service import RatingService
from movierec_ratings.tables import metadata
from movierec_userdata.service import with_user_data


def handlers(ratings: RatingService) -> Handlers:
    """Besides the user-data library's: none. The summaries are recounted from the queue
    the write functions fill (``sweeps``); the service consumed its own rating events for
    that before, and their bindings go."""
    return Handlers(retired=["rating.set", "rating.removed"])


spec: ServiceSpec[Settings, RatingService] = with_user_data(
    ServiceSpec(
        name="ratings", prefix="ratings", port=8004, settings=Settings, service=RatingService,
        title="movierec ratings",
        description="Each user's scores (0.5–5.0) and every movie's community summary.",
        routers=[router], direct=DIRECT, handlers=handlers, tables=[metadata],
        sweeps=[Sweep("summary_recount", "movie_id", RatingService.refresh_summaries)],
        migrations=Path(__file__).parent / "migrations",
    ),
    noun="ratings",
    import_help="Load MovieLens ratings.csv for the demo users (idempotent).",
)  # fmt: skip
