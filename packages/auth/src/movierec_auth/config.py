"""Settings of the auth service (MOVIEREC_* shared names, MOVIEREC_AUTH_* own names)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from movierec_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MOVIEREC_AUTH_", extra="ignore")

    service: str = "auth"


def get_settings() -> Settings:
    return Settings()
