"""``movierec status``: which processes and services are up, queue depths, outbox
backlogs, dead letters, the model serving."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from pathlib import Path
from typing import Any

import httpx

from movierec_common.operations import queue_depths
from movierec_common.settings import CommonSettings
from movierec_tools.platform import (
    all_queues,
    newest_model,
    outbox_backlogs,
    services,
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _ready(client: httpx.AsyncClient, port: int) -> str:
    try:
        response = await client.get(f"http://127.0.0.1:{port}/readyz")
    except httpx.HTTPError:
        return "down"
    with contextlib.suppress(ValueError):
        return str(response.json().get("status", response.status_code))
    return str(response.status_code)


def read_state(path: Path) -> dict[str, Any]:
    with contextlib.suppress(OSError, ValueError):
        return json.loads(path.read_text())
    return {}


async def collect(state: dict[str, Any]) -> dict[str, Any]:
    settings = CommonSettings()
    platform = services()
    ports = state.get("ports") or {s.name: s.spec.port for s in platform}
    async with httpx.AsyncClient(timeout=2) as client:
        ready = await asyncio.gather(*(_ready(client, ports[s.name]) for s in platform))
    try:
        queues = await queue_depths(settings.amqp_url, all_queues(platform))
    except Exception as exc:  # noqa: BLE001 - report, do not fail
        queues = {}
        broker_error: str | None = repr(exc)
    else:
        broker_error = None
    backlogs = await outbox_backlogs(platform)
    return {
        "supervisor": {
            "pid": state.get("pid"),
            "running": bool(state.get("pid")) and _alive(int(state["pid"])),
            "children": {name: _alive(pid) for name, pid in (state.get("children") or {}).items()},
        },
        "services": {
            s.name: {"port": ports[s.name], "ready": r, "outbox_backlog": backlogs.get(s.name)}
            for s, r in zip(platform, ready, strict=True)
        },
        "queues": {
            name: {"messages": q.messages, "consumers": q.consumers} for name, q in queues.items()
        },
        "broker_error": broker_error,
        "model_version": await newest_model(platform),
    }


def render(report: dict[str, Any]) -> str:
    lines = []
    supervisor = report["supervisor"]
    if supervisor["pid"]:
        running = "running" if supervisor["running"] else "not running (stale state file)"
        lines.append(f"movierec up (pid {supervisor['pid']}): {running}")
        children = supervisor["children"]
        down = [name for name, alive in children.items() if not alive]
        lines.append(
            f"  processes: {len(children) - len(down)}/{len(children)} alive"
            + (f"; down: {', '.join(down)}" if down else "")
        )
    else:
        lines.append("movierec up: not running here (no state file)")
    lines.append("")
    lines.append(f"{'service':<10}{'port':>6}  {'ready':<12}{'outbox backlog':>15}")
    for service, info in report["services"].items():
        backlog = "-" if info["outbox_backlog"] is None else info["outbox_backlog"]
        lines.append(f"{service:<10}{info['port']:>6}  {info['ready']:<12}{backlog:>15}")
    lines.append("")
    if report["broker_error"]:
        lines.append(f"broker: {report['broker_error']}")
    else:
        lines.append(f"{'queue':<44}{'messages':>10}{'consumers':>11}")
        for name, q in report["queues"].items():
            messages = "absent" if q["messages"] is None else q["messages"]
            consumers = "-" if q["consumers"] is None else q["consumers"]
            lines.append(f"{name:<44}{messages:>10}{consumers:>11}")
    lines.append("")
    lines.append(f"model serving: {report['model_version'] or 'none trained yet'}")
    return "\n".join(lines)
