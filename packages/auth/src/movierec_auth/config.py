"""Settings of the auth service (MOVIEREC_* shared names, MOVIEREC_AUTH_* own names)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from movierec_common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MOVIEREC_AUTH_", extra="ignore")

    service: str = "auth"
    #: PEM private key that signs access tokens (MOVIEREC_AUTH_SIGNING_KEY).
    signing_key: Path = Path(".movierec/signing-key.pem")
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    #: A session whose refresh token goes unused this long ends (each refresh restarts it).
    refresh_idle_timeout_days: int = Field(default=7, ge=1, le=365)
    login_max_failures: int = Field(default=10, ge=1)
    login_window_seconds: int = Field(default=900, ge=60)
    # argon2id parameters (OWASP minimum: m=19 MiB, t=2, p=1).
    argon2_memory_kib: int = Field(default=19_456, ge=19_456)
    argon2_time_cost: int = Field(default=2, ge=2)
    argon2_parallelism: int = Field(default=1, ge=1)
    mailer: Literal["log", "smtp"] = "log"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    mail_from: str = "movierec <no-reply@movierec.example>"
    #: Password of `create-admin` when not typed at the prompt.
    admin_password: SecretStr | None = None
    purge_interval_seconds: int = Field(default=3600, ge=60)
    #: Registrations, logins, refreshes and reset requests per client address and minute
    #: (then 429); the edge limits every address too. Addresses in ``rate_limit_exempt``
    #: (the machine itself, by default: `movierec up`, tests, benchmarks) are not counted.
    requests_per_address_per_minute: int = Field(default=30, ge=1)
    rate_limit_exempt: list[str] = Field(default_factory=lambda: ["127.0.0.0/8", "::1/128"])
    #: How long a mailed password reset link works.
    password_reset_ttl_minutes: int = Field(default=30, ge=5, le=1440)
    #: Reset mails per email address and hour (more requests are answered alike, unsent).
    password_reset_max_per_hour: int = Field(default=3, ge=1)
    #: Where the reset mail sends people: the token is appended.
    password_reset_url: str = "https://movierec.example/reset-password?token="  # noqa: S105

    @field_validator("rate_limit_exempt")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            ipaddress.ip_network(network)  # ValueError names the bad entry
        return value

    @model_validator(mode="after")
    def _ended_sessions_outlive_tokens(self) -> Settings:
        if self.revocation_retention_seconds <= self.access_token_ttl_seconds:
            raise ValueError(
                "MOVIEREC_AUTH_REVOCATION_RETENTION_SECONDS must exceed the access token"
                " lifetime, or a token of an ended session would become valid again"
            )
        return self
