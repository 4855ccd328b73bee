"""Settings of the recs service (MOVIEREC_* shared names, MOVIEREC_RECS_* own names)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from movierec_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MOVIEREC_RECS_", extra="ignore")

    service: str = "recs"


def get_settings() -> Settings:
    return Settings()
