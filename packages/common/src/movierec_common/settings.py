"""Configuration shared by every service (docs/architecture.md, "Configuration").

Shared names use the ``MOVIEREC_`` prefix; service-specific settings subclass
:class:`ServiceSettings` with the ``MOVIEREC_<SVC>_`` prefix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """Settings every process reads; environment names are ``MOVIEREC_<NAME>``.

    Subclasses may change ``env_prefix`` for their own fields; these shared fields keep
    their ``MOVIEREC_`` names through explicit aliases.
    """

    model_config = SettingsConfigDict(env_prefix="MOVIEREC_", extra="ignore", populate_by_name=True)

    postgres_url: str = Field(
        "postgresql://postgres@127.0.0.1:5432", validation_alias="MOVIEREC_POSTGRES_URL"
    )
    redis_url: str = Field("redis://127.0.0.1:6379/0", validation_alias="MOVIEREC_REDIS_URL")
    amqp_url: str = Field(
        "amqp://guest:guest@127.0.0.1:5672/", validation_alias="MOVIEREC_AMQP_URL"
    )
    #: ``quorum`` on a RabbitMQ cluster: the event and task queues replicated on a majority
    #: of its nodes. A queue keeps the type it was created with (a deployment switching
    #: types deletes its empty queues first: README, "High availability").
    amqp_queue_type: Literal["classic", "quorum"] = Field(
        "classic", validation_alias="MOVIEREC_AMQP_QUEUE_TYPE"
    )
    events_exchange: str = Field("movierec.events", validation_alias="MOVIEREC_EVENTS_EXCHANGE")
    # Prefix of every Redis key and every queue name this deployment owns; tests use one per run.
    namespace: str = Field("movierec", validation_alias="MOVIEREC_NAMESPACE")
    jwt_public_keys: Path = Field(
        Path(".movierec/jwks.json"), validation_alias="MOVIEREC_JWT_PUBLIC_KEYS"
    )
    jwt_issuer: str = Field("movierec-auth", validation_alias="MOVIEREC_JWT_ISSUER")
    jwt_audience: str = Field("movierec", validation_alias="MOVIEREC_JWT_AUDIENCE")
    data: Path | None = Field(None, validation_alias="MOVIEREC_DATA")
    #: Password of the demo accounts; unset, `import-demo-users` generates one.
    demo_password: SecretStr | None = Field(None, validation_alias="MOVIEREC_DEMO_PASSWORD")
    log_level: str = Field("INFO", validation_alias="MOVIEREC_LOG_LEVEL")
    log_json: bool = Field(True, validation_alias="MOVIEREC_LOG_JSON")
    access_log: bool = Field(True, validation_alias="MOVIEREC_ACCESS_LOG")
    max_body_bytes: int = Field(1_048_576, ge=1024, validation_alias="MOVIEREC_MAX_BODY_BYTES")
    # Passwords kept out of the URLs (e.g. Docker secrets): the file's content is put into
    # the URL's password when the settings load.
    postgres_password_file: Path | None = Field(
        None, validation_alias="MOVIEREC_POSTGRES_PASSWORD_FILE"
    )
    amqp_password_file: Path | None = Field(None, validation_alias="MOVIEREC_AMQP_PASSWORD_FILE")
    redis_password_file: Path | None = Field(None, validation_alias="MOVIEREC_REDIS_PASSWORD_FILE")

    @model_validator(mode="after")
    def _passwords_from_files(self) -> CommonSettings:
        if self.postgres_password_file is not None:
            self.postgres_url = with_password(self.postgres_url, self.postgres_password_file)
        if self.amqp_password_file is not None:
            self.amqp_url = with_password(self.amqp_url, self.amqp_password_file)
        if self.redis_password_file is not None:
            self.redis_url = with_password(self.redis_url, self.redis_password_file)
        return self


class ServiceSettings(CommonSettings):
    """Base of a service's settings. Subclasses set ``service`` and their env prefix.

    ``MOVIEREC_<SVC>_DATABASE_URL`` overrides the database, otherwise the service uses
    ``movierec_<svc>`` on ``MOVIEREC_POSTGRES_URL``.
    """

    service: str = "common"
    database_url: str | None = None
    db_pool_size: int = 10
    db_max_overflow: int = 10
    #: Redis lifetime of a cached value; services whose reads are cached set their default.
    cache_ttl_seconds: float = Field(default=300.0, ge=1)
    #: In-process copies of cached values (0: none); other processes' invalidations reach
    #: them over Redis pub/sub.
    local_cache_ttl_seconds: float = Field(default=0.0, ge=0)
    #: How often beat logs the outbox backlog and the dead letters.
    report_interval_seconds: float = Field(default=60.0, ge=5)
    #: Most events the consumer applies in one transaction (it takes what has arrived, up
    #: to this many): larger batches cost less per event and lag more under load.
    consumer_batch_size: int = Field(default=500, ge=1, le=5000)
    #: How long the consumer waits for more events when fewer than a batch have arrived:
    #: under a trickle of writes, fewer and larger transactions (each has a fixed cost of
    #: round trips and a commit) for at most this much more latency.
    consumer_linger_seconds: float = Field(default=0.05, ge=0, le=1)
    #: Most consecutive events of one type the relay carries in one message (1: a message
    #: per event, for consumers outside the platform that read only single envelopes).
    relay_pack_size: int = Field(default=100, ge=1, le=1000)

    #: How often an API process reads the sessions that ended (a revocation takes effect
    #: within this, plus the relay's and consumer's delay, on services other than auth).
    revocation_poll_seconds: float = Field(default=0.25, gt=0, le=1)
    #: How long an ended session is remembered: must exceed the access tokens' lifetime.
    revocation_retention_seconds: float = Field(default=3600.0, ge=60)

    #: The password of ``database_url``'s user (e.g. the service's own role, a Docker
    #: secret); without it, ``MOVIEREC_POSTGRES_PASSWORD_FILE`` is used.
    database_password_file: Path | None = None

    @model_validator(mode="after")
    def _database_password_from_file(self) -> ServiceSettings:
        password_file = self.database_password_file or self.postgres_password_file
        if self.database_url and password_file is not None:
            self.database_url = with_password(self.database_url, password_file)
        return self

    @property
    def resolved_database_url(self) -> str:
        """Plain ``postgresql://`` URL of this service's database (not cached: a copy of
        the settings with another ``database_url`` must not keep the old one)."""
        if self.database_url:
            return self.database_url
        return database_url_on(self.postgres_url, f"movierec_{self.service}")


def with_password(url: str, password_file: Path) -> str:
    """``url`` with the (first line of the) file's content as its password."""
    password = password_file.read_text().strip()
    parts = urlsplit(url)
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0] if userinfo else ""
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host or parts.netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def database_url_on(server_url: str, database: str) -> str:
    """Return ``server_url`` pointing at ``database`` (any path it had is replaced)."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


def to_plain_url(url: str) -> str:
    """``postgresql+asyncpg://…`` → ``postgresql://…`` for asyncpg and psql."""
    scheme, _, rest = url.partition("://")
    return f"postgresql://{rest}" if scheme.startswith("postgres") else url
