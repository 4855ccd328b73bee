"""Start chosen services' real processes together, the way ``movierec up`` runs them.

A :class:`Platform` gives each chosen service its own database of the test run (migrated
by the service's own ``migrate`` command, which also declares its event queue), one
namespace and events exchange shared by all of them (and by no other test), and starts
the chosen roles — ``api`` on a free port, ``relay``, ``consume``, ``worker``, ``beat`` —
as child processes. Cross-service tests then talk HTTP to :meth:`Platform.url`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from movierec_common.service import service_specs
from movierec_common.settings import database_url_on
from movierec_tools.processes import ServiceProcess, console_script
from movierec_tools.scratch import ScratchRun


def all_roles() -> dict[str, tuple[str, ...]]:
    """What every installed service runs (its spec's roles), beat aside: the whole platform
    as ``movierec up`` runs it, without the schedules."""
    return {s.name: tuple(r for r in s.roles if r != "beat") for s in service_specs()}


class Platform:
    def __init__(
        self,
        run: ScratchRun,
        name: str,
        *,
        roles: Mapping[str, Iterable[str]],
        jwks: Path,
        signing_key: Path | None = None,
        env: Mapping[str, str] | None = None,
        postgres_url: str | None = None,
        amqp_url: str | None = None,
    ) -> None:
        """``postgres_url`` / ``amqp_url`` override the servers the children use (e.g. a
        :class:`~movierec_testkit.proxy.TcpProxy` in front of them)."""
        unknown = set(roles) - {s.name for s in service_specs()}
        if unknown:
            raise ValueError(f"unknown services: {sorted(unknown)}")
        self.run = run
        self.name = name
        self.roles = {service: tuple(r) for service, r in roles.items()}
        self.namespace = f"{run.namespace}-{name}"
        self.events_exchange = f"{run.events_exchange}.{name}"
        run.exchanges.extend([self.events_exchange, f"{self.events_exchange}.dlx"])
        run.namespaces.add(self.namespace)
        self.postgres_url = postgres_url or run.postgres_url
        self.base_env = {
            "MOVIEREC_POSTGRES_URL": self.postgres_url,
            "MOVIEREC_REDIS_URL": run.redis_url,
            "MOVIEREC_AMQP_URL": amqp_url or run.amqp_url,
            "MOVIEREC_EVENTS_EXCHANGE": self.events_exchange,
            "MOVIEREC_NAMESPACE": self.namespace,
            "MOVIEREC_JWT_PUBLIC_KEYS": str(jwks),
            "MOVIEREC_LOG_JSON": "false",
            "MOVIEREC_ACCESS_LOG": "false",
            **({"MOVIEREC_AUTH_SIGNING_KEY": str(signing_key)} if signing_key else {}),
            **(env or {}),
        }
        self.processes: dict[tuple[str, str], ServiceProcess] = {}

    def database_url(self, service: str, *, direct: bool = True) -> str:
        """``service``'s database; ``direct=False``: as its processes reach it."""
        name = self.run.database_name(f"{self.name}_{service}")
        return database_url_on(self.run.postgres_url if direct else self.postgres_url, name)

    def env(self, service: str) -> dict[str, str]:
        """The environment of ``service``'s processes (also for its one-off commands)."""
        return {
            **self.base_env,
            f"MOVIEREC_{service.upper()}_DATABASE_URL": self.database_url(service, direct=False),
        }

    async def command(
        self,
        service: str,
        *args: str,
        timeout: float = 300.0,
        env: Mapping[str, str] | None = None,
    ) -> str:
        """Run ``movierec-<service> args…`` to completion; its output (raises on failure)."""
        proc = await asyncio.create_subprocess_exec(
            console_script(f"movierec-{service}"),
            *args,
            env={**os.environ, **self.env(service), **(env or {})},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
        text = out.decode(errors="replace")
        if proc.returncode != 0:
            raise RuntimeError(f"movierec-{service} {' '.join(args)} failed:\n{text}")
        return text

    async def start(self) -> Platform:
        for service in self.roles:
            self.run.databases.append(self.run.database_name(f"{self.name}_{service}"))
        await asyncio.gather(*(self.command(service, "migrate") for service in self.roles))
        for service, roles in self.roles.items():
            for role in roles:
                if role == "api":
                    process = ServiceProcess.api(service, env=self.env(service))
                else:
                    process = ServiceProcess.command(service, role, env=self.env(service))
                self.processes[(service, role)] = process
        try:
            await asyncio.gather(*(p.start(timeout=120) for p in self.processes.values()))
        except BaseException:
            await self.stop()
            raise
        return self

    async def restart(self, service: str, role: str) -> ServiceProcess:
        """Start a stopped or killed process again (same command, same port)."""
        process = self.process(service, role)
        await process.start(timeout=120)
        return process

    def process(self, service: str, role: str) -> ServiceProcess:
        return self.processes[(service, role)]

    def url(self, service: str) -> str:
        return self.process(service, "api").base_url

    async def stop(self) -> None:
        await asyncio.gather(*(p.stop() for p in self.processes.values()))

    def logs(self, lines: int = 20) -> str:
        """The tail of every process's log (for a failing test's message)."""
        return "\n".join(f"--- {p.name}\n{p.tail(lines)}" for p in self.processes.values())
