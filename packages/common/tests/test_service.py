"""A spec declares a service once; the kernel builds its app, CLI, Celery app and consumer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import click
import httpx
from click.testing import CliRunner
from fastapi import APIRouter, Depends
from pydantic_settings import SettingsConfigDict

from movierec_common.deps import current_service
from movierec_common.service import Handlers, Runtime, ServiceSpec, pass_spec
from movierec_common.settings import ServiceSettings


class ThingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MOVIEREC_THINGS_", extra="ignore")

    service: str = "things"


class ThingService:
    def __init__(self, runtime: Runtime[ThingSettings, ThingService]) -> None:
        self.runtime = runtime
        self.greeting = f"hello from {runtime.settings.service}"


router = APIRouter(prefix="/things")
ThingDep = Annotated[ThingService, Depends(current_service)]


@router.get("/hello")
async def hello(things: ThingDep) -> dict[str, str]:
    return {"greeting": things.greeting}


async def _noop(*_: Any) -> None:
    return None


def _handlers(service: ThingService) -> Handlers:
    return Handlers(events={"movie.deleted": _noop}, batches={"watch.added": _noop})


@click.command("greet")
@pass_spec
def greet(spec: ServiceSpec[Any, Any]) -> None:
    click.echo(f"greetings from {spec.name}")


def _spec(**overrides: Any) -> ServiceSpec[ThingSettings, ThingService]:
    values: dict[str, Any] = {
        "name": "things",
        "prefix": "things",
        "port": 8099,
        "title": "things",
        "description": "A service of things.",
        "settings": ThingSettings,
        "routers": [router],
        "service": ThingService,
        "handlers": _handlers,
        "beat": lambda settings: {"nightly": ("tidy", 3600)},
        "migrations": Path(__file__).parent,
        "commands": [greet],
    }
    return ServiceSpec(**{**values, **overrides})


def test_names_and_processes_come_from_the_spec():
    spec = _spec()
    assert (spec.package, spec.distribution) == ("movierec_things", "movierec-things")
    assert spec.app_factory == "movierec_things.spec:spec.create_app"
    assert spec.roles == ("api", "relay", "consume", "worker", "beat")
    assert _spec(handlers=None).roles == ("api", "relay", "worker", "beat")
    assert spec.task_name("tidy") == "movierec_things.tidy"


async def test_the_app_injects_the_service_built_from_the_runtime(kernel_db):
    app = _spec().create_app(ThingSettings(database_url=kernel_db.url, log_json=False))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        assert (await client.get("/things/hello")).json() == {"greeting": "hello from things"}
        assert (await client.get("/things/docs")).status_code == 200
        assert (await client.get("/readyz")).json()["checks"]["database"] == "ok"


async def test_the_consumer_takes_the_spec_handlers_and_the_kernel_s(test_run):
    settings = ThingSettings(namespace=test_run.namespace)
    async with _spec().runtime(settings) as runtime:
        consumer = runtime.consumer()
    assert consumer.queue_name == f"{test_run.namespace}.things.events"
    # The kernel's: every service records ended sessions (movierec_common.revocation).
    kernel = ["user.deleted", "user.sessions_ended"]
    assert consumer.routing_keys == sorted(["movie.deleted", "watch.added", *kernel])


def test_every_service_reports_its_backlog_on_the_beat_besides_its_own_entries():
    settings = ThingSettings(report_interval_seconds=30)
    schedule = _spec().celery(settings).conf.beat_schedule
    assert schedule == {
        "report-backlog": {"task": "movierec_things.report_backlog", "schedule": 30.0},
        "nightly": {"task": "movierec_things.tidy", "schedule": 3600.0},
    }


def test_the_console_script_has_the_standard_commands_and_the_spec_own():
    spec = _spec()
    commands = set(spec.cli().commands)
    assert {"serve", "worker", "beat", "relay", "migrate", "makemigration", "consume"} <= commands
    assert "consume" not in _spec(handlers=None).cli().commands
    result = CliRunner().invoke(spec.cli(), ["greet"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "greetings from things"
