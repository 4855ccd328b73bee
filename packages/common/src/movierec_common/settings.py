"""Configuration shared by every service (ARCHITECTURE.md §1).

Shared names use the ``MOVIEREC_`` prefix; service-specific settings subclass
:class:`ServiceSettings` with the ``MOVIEREC_<SVC>_`` prefix.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES: tuple[str, ...] = ("auth", "movies", "history", "ratings", "recs")
DEFAULT_PORTS: dict[str, int] = {
    "auth": 8001,
    "movies": 8002,
    "history": 8003,
    "ratings": 8004,
    "recs": 8005,
}


class CommonSettings(BaseSettings):
    """Settings every process reads; environment names are ``MOVIEREC_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="MOVIEREC_", extra="ignore")

    postgres_url: str = "postgresql://postgres@127.0.0.1:5432"
    redis_url: str = "redis://127.0.0.1:6379/0"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    events_exchange: str = "movierec.events"
    # Prefix of every Redis key and every queue name this deployment owns; tests use one per run.
    namespace: str = "movierec"
    jwt_public_keys: Path = Path(".movierec/jwks.json")
    jwt_issuer: str = "movierec-auth"
    jwt_audience: str = "movierec"
    data: Path | None = None
    demo_password: str = "movierec-demo"  # noqa: S105 - public demo accounts only
    log_level: str = "INFO"
    log_json: bool = True
    access_log: bool = True
    max_body_bytes: int = Field(default=1_048_576, ge=1024)


class ServiceSettings(CommonSettings):
    """Base of a service's settings. Subclasses set ``service`` and their env prefix.

    ``MOVIEREC_<SVC>_DATABASE_URL`` overrides the database, otherwise the service uses
    ``movierec_<svc>`` on ``MOVIEREC_POSTGRES_URL``.
    """

    service: str = "common"
    database_url: str | None = None
    db_pool_size: int = 10
    db_max_overflow: int = 10

    @cached_property
    def resolved_database_url(self) -> str:
        """Plain ``postgresql://`` URL of this service's database."""
        if self.database_url:
            return self.database_url
        return database_url_on(self.postgres_url, f"movierec_{self.service}")

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the asyncpg driver, for SQLAlchemy."""
        return to_asyncpg_url(self.resolved_database_url)


def database_url_on(server_url: str, database: str) -> str:
    """Return ``server_url`` pointing at ``database`` (any path it had is replaced)."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


def to_asyncpg_url(url: str) -> str:
    """``postgresql://…`` → ``postgresql+asyncpg://…`` (idempotent)."""
    scheme, _, rest = url.partition("://")
    return f"postgresql+asyncpg://{rest}" if scheme.startswith("postgres") else url


def to_plain_url(url: str) -> str:
    """``postgresql+asyncpg://…`` → ``postgresql://…`` for asyncpg and psql."""
    scheme, _, rest = url.partition("://")
    return f"postgresql://{rest}" if scheme.startswith("postgres") else url
