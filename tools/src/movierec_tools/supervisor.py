"""Child processes with prefixed, readable logs, restarted when they die.

Each child runs in its own process group (so a Celery worker's pool goes with it) and its
output is copied line by line to ours, prefixed with its name. A child that exits while the
supervisor is running is restarted with a growing delay (1 s … 30 s; back to 1 s after it
ran for a minute). :meth:`Supervisor.stop` sends SIGTERM to every group, waits, then
SIGKILLs what is left: no child outlives the supervisor.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from dataclasses import dataclass, field

COLORS = ["36", "32", "33", "35", "34", "96", "92", "93", "95", "94"]


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    port: int | None = None
    proc: asyncio.subprocess.Process | None = None
    restarts: int = 0
    started_at: float = 0.0
    color: str = "0"
    tasks: list[asyncio.Task] = field(default_factory=list)
    #: True while its process is being started (``proc`` is still the previous one).
    spawning: bool = False


class Supervisor:
    def __init__(self, *, color: bool | None = None) -> None:
        self.children: list[Child] = []
        self.stopping = False
        self.color = sys.stdout.isatty() if color is None else color
        self.width = 14

    def add(
        self, name: str, argv: list[str], env: dict[str, str], port: int | None = None
    ) -> Child:
        child = Child(name, argv, env, port, color=COLORS[len(self.children) % len(COLORS)])
        self.children.append(child)
        self.width = max(self.width, len(name))
        return child

    def say(self, name: str, line: str, color: str = "1") -> None:
        prefix = f"{name:<{self.width}} |"
        if self.color:
            prefix = f"\033[{color}m{prefix}\033[0m"
        sys.stdout.write(f"{prefix} {line}\n")
        sys.stdout.flush()

    async def start(self) -> None:
        for child in self.children:
            await self._spawn(child)
            child.tasks.append(asyncio.create_task(self._watch(child)))

    async def _spawn(self, child: Child) -> None:
        child.spawning = True
        try:
            child.proc = await asyncio.create_subprocess_exec(
                *child.argv,
                env=child.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
            child.started_at = time.monotonic()
            child.tasks.append(asyncio.create_task(self._pump(child, child.proc)))
        finally:
            child.spawning = False

    async def _pump(self, child: Child, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            self.say(child.name, line.decode(errors="replace").rstrip(), child.color)

    async def _watch(self, child: Child) -> None:
        delay = 1.0
        while True:
            assert child.proc is not None
            code = await child.proc.wait()
            if self.stopping:
                return
            ran = time.monotonic() - child.started_at
            if ran > 60:
                delay = 1.0
            self.say(
                child.name, f"exited with {code} after {ran:.0f} s; restarting in {delay:.0f} s"
            )
            await asyncio.sleep(delay)
            if self.stopping:
                return
            delay = min(delay * 2, 30.0)
            child.restarts += 1
            await self._spawn(child)

    def alive(self) -> list[Child]:
        return [c for c in self.children if c.proc is not None and c.proc.returncode is None]

    async def stop(self, timeout: float = 15.0) -> None:
        self.stopping = True
        # A child being restarted at this moment finishes starting, then stops with the
        # others (signalled now, its previous process would be, and the new one would stay).
        while any(c.spawning for c in self.children):
            await asyncio.sleep(0.01)
        for child in self.alive():
            if child.proc is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in self.children:
            if child.proc is None:
                continue
            remaining = max(0.1, deadline - time.monotonic())
            try:
                await asyncio.wait_for(child.proc.wait(), remaining)
            except TimeoutError:
                self.say(child.name, "did not stop in time; killing it")
            # The group may hold more than the leader (e.g. a Celery pool): none may stay.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.proc.pid, signal.SIGKILL)
            await child.proc.wait()
        for child in self.children:
            for task in child.tasks:
                task.cancel()
            await asyncio.gather(*child.tasks, return_exceptions=True)
