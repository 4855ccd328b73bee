"""Settings of the movies service (MOVIEREC_* shared names, MOVIEREC_MOVIES_* own names)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from movierec_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MOVIEREC_MOVIES_", extra="ignore")

    service: str = "movies"


def get_settings() -> Settings:
    return Settings()
