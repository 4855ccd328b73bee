"""Private PostgreSQL, Redis and RabbitMQ servers for crash tests: the machine's own
binaries on free ports, with data folders of their own, that a test may kill -9 and start
again without touching the shared servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aio_pika
import asyncpg

from movierec_tools.processes import ServiceProcess, free_port


def _as(user: str) -> str | None:
    """Run as ``user`` when we are root and that user exists (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(user)
    except KeyError:
        return None
    return user


def _give(folder: Path, user: str | None) -> None:
    if user is not None:
        shutil.chown(folder, user, user)


async def _accepting(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"nothing accepts connections on port {port} after {timeout}s")


async def _until_connected(
    connect: Callable[[], Awaitable[None]], timeout: float, what: str
) -> None:
    """Until ``connect`` succeeds (a server starting up refuses or fails in many ways)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            await connect()
            return
        except Exception:  # noqa: BLE001 - not up yet, whatever the error
            if time.monotonic() > deadline:
                raise TimeoutError(f"private {what} did not start in {timeout:.0f} s") from None
            await asyncio.sleep(0.1)


class PrivateServer:
    """One server process: :meth:`start` (and again after :meth:`kill`), :attr:`url`."""

    name = "server"
    #: How long a start may take until the port accepts connections.
    start_timeout = 60.0

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.user: str | None = None
        self.process: ServiceProcess | None = None

    def argv(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return {}

    def prepare(self) -> None:
        """Make the data folder (once)."""

    @property
    def url(self) -> str:
        raise NotImplementedError

    async def ready(self) -> None:
        await _accepting(self.port, self.start_timeout)

    async def start(self) -> PrivateServer:
        if self.process is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            _give(self.folder, self.user)
            self.prepare()
            self.process = ServiceProcess(
                f"private-{self.name}", self.argv(), env=self.env(), user=self.user
            )
        await self.process.start()
        try:
            await self.ready()
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n{self.process.tail()}") from exc
        return self

    async def kill(self) -> None:
        """kill -9 (the whole process group: nothing is flushed, nothing says goodbye)."""
        if self.process is not None:
            await self.process.kill()

    async def stop(self) -> None:
        if self.process is not None:
            await self.process.stop()


class PrivatePostgres(PrivateServer):
    name = "postgres"

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.user = _as("postgres")
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])

    def prepare(self) -> None:
        data = self.folder / "data"
        if data.exists():
            return
        subprocess.run(  # noqa: S603 - the machine's initdb, our own arguments
            [str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"],
            check=True,
            capture_output=True,
            user=self.user,
            group=self.user,
        )

    def argv(self) -> list[str]:
        return [
            str(self.bin / "postgres"),
            "-D", str(self.folder / "data"),
            "-p", str(self.port),
            "-c", "listen_addresses=127.0.0.1",
            "-c", f"unix_socket_directories={self.folder}",
            "-c", "max_connections=300",
            "-c", "fsync=on",
        ]  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    async def ready(self) -> None:
        async def connect() -> None:
            conn = await asyncpg.connect(f"{self.url}/postgres", timeout=2)
            await conn.close()

        await _until_connected(connect, self.start_timeout, "PostgreSQL")


class PrivateRedis(PrivateServer):
    name = "redis"

    def argv(self) -> list[str]:
        return [
            "redis-server",
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.folder),
            "--save", "",
            "--appendonly", "yes",
        ]  # fmt: skip

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


class PrivateRabbitMQ(PrivateServer):
    name = "rabbitmq"
    start_timeout = 90.0

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.user = _as("rabbitmq")
        self.node = f"mrt{self.port}@localhost"

    def prepare(self) -> None:
        plugins = self.folder / "enabled_plugins"
        if not plugins.exists():
            plugins.write_text("[].\n")
            _give(plugins, self.user)

    def env(self) -> dict[str, str]:
        return {
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.folder / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq"),
            "RABBITMQ_PID_FILE": str(self.folder / "rabbitmq.pid"),
            **({"HOME": pwd.getpwnam(self.user).pw_dir} if self.user else {}),
        }

    def argv(self) -> list[str]:
        return ["/usr/lib/rabbitmq/bin/rabbitmq-server"]

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    async def ready(self) -> None:
        async def connect() -> None:
            connection = await aio_pika.connect(self.url, timeout=2)
            await connection.close()

        await _until_connected(connect, self.start_timeout, "RabbitMQ")
