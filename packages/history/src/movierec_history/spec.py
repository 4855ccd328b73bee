"""The history service, declared once (see movierec_common.service)."""

from __future__ import annotations

from pathlib import Path

from movierec_common.service import ServiceSpec
from movierec_history.config import Settings
from movierec_history.tables import metadata
from movierec_history.watch.endpoints import DIRECT, router
from movierec_history.watch.service import HistoryService
from movierec_userdata.service import with_user_data

spec: ServiceSpec[Settings, HistoryService] = with_user_data(
    ServiceSpec(
        name="history", prefix="history", port=8003, settings=Settings, service=HistoryService,
        title="movierec watch history", description="What each user watched, and when.",
        routers=[router], direct=DIRECT, tables=[metadata],
        migrations=Path(__file__).parent / "migrations",
    ),
    noun="watches",
    import_help="Record each rated movie of ratings.csv as watched at the rating's time.",
)  # fmt: skip
