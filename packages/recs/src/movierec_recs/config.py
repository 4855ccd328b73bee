"""Settings of the recs service (MOVIEREC_* shared names, MOVIEREC_RECS_* own names)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from movierec_common.settings import ServiceSettings
from movierec_recs.models.bundle import DEFAULT_DIVERSITY


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MOVIEREC_RECS_", extra="ignore")

    service: str = "recs"
    #: Redis TTL of a cached recommendation page (entries are also keyed by the user's
    #: generation, the model version and the catalog revision, so none is ever stale).
    cache_ttl_seconds: float = Field(default=600.0, ge=1)
    #: In-process copies of cached pages and user generations (invalidated over pub/sub).
    local_cache_ttl_seconds: float = Field(default=5.0, ge=0)
    #: How often each API replica looks for a newer model and catalog changes.
    refresh_seconds: float = Field(default=1.0, gt=0, le=60)
    #: Retrain after this many new interaction events (besides the beat schedule).
    train_after_events: int = Field(default=5000, ge=1)
    #: Scheduled and triggered trainings are skipped while the newest model is younger.
    train_min_interval_seconds: float = Field(default=300.0, ge=0)
    #: The beat schedule's training interval.
    train_interval_seconds: float = Field(default=6 * 3600.0, ge=60)
    #: Also fit on an 80 % split to report offline metrics with each model (about doubles
    #: the training time).
    train_evaluate: bool = True
    #: Models kept in the database (the newest serve; older ones are for rollback).
    keep_models: int = Field(default=3, ge=1)
    #: The score a watched but unrated movie counts with.
    implicit_score: float = Field(default=3.5, ge=0.5, le=5.0)
    #: How much variety /recommendations trades for relevance when the request does not
    #: say (0: none, 1: only variety).
    diversity: float = Field(default=DEFAULT_DIVERSITY, ge=0, le=1)
    #: Watches and ratings this soon after a recommendation showed the movie are credited
    #: to it.
    attribution_window_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    #: Feedback on recommendation ids older than this is refused.
    feedback_max_age_hours: float = Field(default=7 * 24.0, gt=0)
