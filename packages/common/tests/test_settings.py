"""Shared settings keep their MOVIEREC_* names in every service; own settings get the prefix."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from movierec_common.settings import ServiceSettings, database_url_on, to_plain_url


class DemoServiceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MOVIEREC_DEMO_", extra="ignore")

    service: str = "demo"
    page_size: int = 5


def test_shared_names_are_not_shadowed_by_the_service_prefix(monkeypatch):
    monkeypatch.setenv("MOVIEREC_EVENTS_EXCHANGE", "ex.shared")
    monkeypatch.setenv("MOVIEREC_POSTGRES_URL", "postgresql://u@db:5433")
    monkeypatch.setenv("MOVIEREC_DEMO_PAGE_SIZE", "9")
    settings = DemoServiceSettings()
    assert settings.events_exchange == "ex.shared"
    assert settings.page_size == 9
    assert settings.resolved_database_url == "postgresql://u@db:5433/movierec_demo"


def test_service_database_url_override(monkeypatch):
    monkeypatch.setenv("MOVIEREC_DEMO_DATABASE_URL", "postgresql://u@db/other")
    assert DemoServiceSettings().resolved_database_url == "postgresql://u@db/other"


def test_settings_accept_field_names_in_code():
    assert DemoServiceSettings(events_exchange="x").events_exchange == "x"


def test_url_helpers():
    assert database_url_on("postgresql://p@h:1/old?x=1", "new") == "postgresql://p@h:1/new?x=1"
    assert to_plain_url("postgresql+asyncpg://h/db") == "postgresql://h/db"


def test_passwords_come_from_files_never_from_the_urls(tmp_path, monkeypatch):
    (tmp_path / "pg").write_text("s3cret/with@chars\n")
    (tmp_path / "mq").write_text("rabbit")
    monkeypatch.setenv("MOVIEREC_POSTGRES_URL", "postgresql://movierec@db:5432")
    monkeypatch.setenv("MOVIEREC_POSTGRES_PASSWORD_FILE", str(tmp_path / "pg"))
    monkeypatch.setenv("MOVIEREC_AMQP_URL", "amqp://movierec@mq:5672/")
    monkeypatch.setenv("MOVIEREC_AMQP_PASSWORD_FILE", str(tmp_path / "mq"))
    settings = ServiceSettings()
    assert settings.postgres_url == "postgresql://movierec:s3cret%2Fwith%40chars@db:5432"
    assert settings.resolved_database_url.endswith("@db:5432/movierec_common")
    assert settings.amqp_url == "amqp://movierec:rabbit@mq:5672/"


def test_redis_password_and_a_service_role_s_password_come_from_files(tmp_path, monkeypatch):
    (tmp_path / "redis").write_text("r3dis\n")
    (tmp_path / "admin").write_text("admin")
    (tmp_path / "own").write_text("own-role")
    monkeypatch.setenv("MOVIEREC_REDIS_URL", "redis://redis:6379/0")
    monkeypatch.setenv("MOVIEREC_REDIS_PASSWORD_FILE", str(tmp_path / "redis"))
    monkeypatch.setenv("MOVIEREC_POSTGRES_URL", "postgresql://movierec@db:5432")
    monkeypatch.setenv("MOVIEREC_POSTGRES_PASSWORD_FILE", str(tmp_path / "admin"))
    monkeypatch.setenv("MOVIEREC_DEMO_DATABASE_URL", "postgresql://movierec_demo@db/movierec_demo")
    monkeypatch.setenv("MOVIEREC_DEMO_DATABASE_PASSWORD_FILE", str(tmp_path / "own"))
    settings = DemoServiceSettings()
    assert settings.redis_url == "redis://:r3dis@redis:6379/0"
    assert settings.resolved_database_url == "postgresql://movierec_demo:own-role@db/movierec_demo"
    assert settings.postgres_url == "postgresql://movierec:admin@db:5432"  # migrate's, only
