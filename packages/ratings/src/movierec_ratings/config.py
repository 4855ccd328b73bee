"""Settings of the ratings service (MOVIEREC_* shared names, MOVIEREC_RATINGS_* own names)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from movierec_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MOVIEREC_RATINGS_", extra="ignore")

    service: str = "ratings"
    local_cache_ttl_seconds: float = Field(default=2.0, ge=0)
