"""Settings of the history service (MOVIEREC_* shared names, MOVIEREC_HISTORY_* own names)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from movierec_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MOVIEREC_HISTORY_", extra="ignore")

    service: str = "history"


def get_settings() -> Settings:
    return Settings()
