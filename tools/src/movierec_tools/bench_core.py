"""The bench's machinery: HTTP load through the loadgen process, results and the report.

Every run starts a bare FastAPI hello endpoint as the baseline and measures it in the same
run as the cases, so results are reported as ratios that survive a noisy machine. Loopback
only; every case is bounded in time and in count.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from movierec_common.settings import CommonSettings
from movierec_tools.processes import free_port
from movierec_tools.scratch import ScratchRun


@dataclass
class Result:
    case: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    note: str = ""
    ratio: float | None = None
    extra: dict = field(default_factory=dict)


def bench_run(settings: CommonSettings) -> ScratchRun:
    """Names for one bench run's databases, queues and keys (cleaned up by the case)."""
    return ScratchRun(
        postgres_url=settings.postgres_url, redis_url=settings.redis_url, amqp_url=settings.amqp_url
    )


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url, timeout=1)).status_code < 500:
                    return
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


class Bench:
    def __init__(self, *, duration: float, connections: int, max_requests: int) -> None:
        self.duration = duration
        self.connections = connections
        self.max_requests = max_requests
        self.results: list[Result] = []
        self._servers: list[subprocess.Popen] = []

    # -- HTTP --------------------------------------------------------------------------

    def start_server(self, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        proc = subprocess.Popen(
            argv,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._servers.append(proc)
        return proc

    def stop_servers(self) -> None:
        for proc in self._servers:
            proc.terminate()
        for proc in self._servers:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self._servers.clear()

    async def http_case(
        self,
        name: str,
        base_url: str,
        requests: list[dict],
        *,
        connections: int | None = None,
        note: str = "",
    ) -> Result:
        spec = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)  # noqa: SIM115
        with spec:
            json.dump(requests, spec)
        argv = [
            sys.executable,
            "-m",
            "movierec_tools.loadgen",
            "--base-url",
            base_url,
            "--requests",
            f"@{spec.name}",
            "--connections",
            str(connections or self.connections),
            "--duration",
            str(self.duration),
            "--max-requests",
            str(self.max_requests),
        ]
        proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE)
        out, _ = await proc.communicate()
        Path(spec.name).unlink(missing_ok=True)  # noqa: ASYNC240 - a tiny local temp file
        data = json.loads(out)
        result = Result(
            case=name,
            rps=data["rps"],
            p50_ms=data["p50_ms"],
            p99_ms=data["p99_ms"],
            errors=data["errors"],
            requests=data["requests"],
            note=note,
            extra={"statuses": data["statuses"]},
        )
        self.results.append(result)
        return result

    async def baseline(self) -> Result:
        port = free_port()
        self.start_server(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "movierec_tools.hello:app",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ]
        )
        await wait_http(f"http://127.0.0.1:{port}/hello")
        return await self.http_case(
            "baseline: bare FastAPI GET /hello",
            f"http://127.0.0.1:{port}",
            [{"path": "/hello"}],
        )

    # -- report ------------------------------------------------------------------------

    def report(self) -> str:
        base = next((r for r in self.results if r.case.startswith("baseline")), None)
        for r in self.results:
            r.ratio = round(r.rps / base.rps, 3) if base and base.rps else None
        header = f"{'case':<58} {'RPS':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'×base':>7}"
        lines = [header, "-" * len(header)]
        for r in self.results:
            ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
            lines.append(
                f"{r.case:<58} {r.rps:>10.1f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f}"
                f" {r.errors:>7} {ratio:>7}"
            )
            if r.note:
                lines.append(f"    {r.note}")
        return "\n".join(lines)
