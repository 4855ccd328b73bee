"""Settings of the movies service (MOVIEREC_* shared names, MOVIEREC_MOVIES_* own names)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from movierec_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MOVIEREC_MOVIES_", extra="ignore")

    service: str = "movies"
    #: In-process copies of hot reads; other replicas' writes reach them via Redis pub/sub.
    local_cache_ttl_seconds: float = Field(default=5.0, ge=0)
    #: Half-life of a watch's weight in the popularity score.
    popularity_half_life_days: float = Field(default=180.0, gt=0)
    #: Folders the admin import endpoint may read from (besides the resolved data folder).
    import_roots: list[Path] = Field(default_factory=list)
