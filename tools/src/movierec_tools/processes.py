"""Start a service's real processes (API, relay, consumer, worker) for cross-process tests.

Each process gets its environment (database URLs, exchange, namespace of the test run), a
free port when it serves HTTP, and a log file; ``stop()`` sends SIGTERM and waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def console_script(name: str) -> str:
    """Path of a console script installed beside the running interpreter."""
    return str(Path(sys.executable).parent / name)


class ServiceProcess:
    """One child process, e.g. ``movierec-auth serve --port P`` or ``movierec-auth relay``."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        port: int | None = None,
        user: str | None = None,
    ) -> None:
        """``user``: run as that user (needs root), e.g. a database server refusing root."""
        self.name = name
        self.argv = argv
        self.env = {**os.environ, **(env or {})}
        self.port = port
        self.user = user
        self.proc: asyncio.subprocess.Process | None = None
        fd, path = tempfile.mkstemp(prefix=f"movierec-{name}-", suffix=".log")
        os.close(fd)
        self.log_path = Path(path)

    @classmethod
    def api(cls, service: str, *, env: dict[str, str]) -> ServiceProcess:
        port = free_port()
        argv = [console_script(f"movierec-{service}"), "serve", "--port", str(port)]
        return cls(f"{service}-api", argv, env=env, port=port)

    @classmethod
    def command(cls, service: str, command: str, *, env: dict[str, str]) -> ServiceProcess:
        return cls(
            f"{service}-{command}", [console_script(f"movierec-{service}"), command], env=env
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, *, timeout: float = 60.0) -> ServiceProcess:
        log = self.log_path.open("ab")
        # Only when asked: uvloop (the tools' loop, see movierec_common.aio) refuses the
        # user and group arguments even when they are None.
        identity: dict[str, Any] = {"user": self.user, "group": self.user} if self.user else {}
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv, env=self.env, stdout=log, stderr=log, start_new_session=True, **identity
        )
        log.close()
        if self.port is not None:
            await self.wait_http("/healthz", timeout=timeout)
        return self

    async def wait_http(self, path: str, *, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.base_url) as client:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.returncode is not None:
                    raise RuntimeError(f"{self.name} exited: {self.tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(path, timeout=2)).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise TimeoutError(f"{self.name} not ready within {timeout}s: {self.tail()}")

    def tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    async def stop(self, *, timeout: float = 15.0) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            await self.proc.wait()

    async def kill(self) -> None:
        """SIGKILL the process group (simulates a crash)."""
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            await self.proc.wait()
