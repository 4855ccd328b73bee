"""Settings of the history service (MOVIEREC_* shared names, MOVIEREC_HISTORY_* own names)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from movierec_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MOVIEREC_HISTORY_", extra="ignore")

    service: str = "history"
    cache_ttl_seconds: float = Field(default=300.0, ge=1)
    local_cache_ttl_seconds: float = Field(default=2.0, ge=0)
    report_interval_seconds: float = Field(default=60.0, ge=5)


def get_settings() -> Settings:
    return Settings()
