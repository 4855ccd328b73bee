"""A small HTTP/1.1 keep-alive load generator for loopback benchmarks.

Runs in its own process (``python -m movierec_tools.loadgen``) so it does not compete with
the bench's own event loop. Bounded by both a duration and a request count. Prints JSON:
``{requests, errors, seconds, rps, p50_ms, p99_ms, statuses}``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import orjson
import uvloop

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _request(method: str, host: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    length, chunked = 0, False
    for line in header_lines:
        name, _, value = line.partition(":")
        lname = name.strip().lower()
        if lname == "content-length":
            length = int(value)
        elif lname == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def run(
    *,
    base_url: str,
    requests: list[dict],
    connections: int,
    duration: float,
    max_requests: int,
    warmup: float,
) -> dict:
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if host not in LOOPBACK:
        raise SystemExit(f"refusing to load a non-loopback host: {host}")
    encoded = [
        _request(
            r.get("method", "GET"),
            f"{host}:{port}",
            r["path"],
            r.get("headers", {}),
            orjson.dumps(r["json"]) if "json" in r else r.get("body", "").encode(),
        )
        for r in requests
    ]
    cycle = itertools.cycle(encoded)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    issued = 0
    start = time.perf_counter()
    measure_from = start + warmup
    deadline = measure_from + duration

    async def connection() -> None:
        nonlocal errors, issued
        reader = writer = None
        while time.perf_counter() < deadline and issued < max_requests:
            try:
                if reader is None or writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                payload = next(cycle)
                t0 = time.perf_counter()
                writer.write(payload)
                status = await asyncio.wait_for(_read_response(reader), 30)
                t1 = time.perf_counter()
                if t0 >= measure_from:
                    issued += 1
                    latencies.append(t1 - t0)
                    statuses[status] = statuses.get(status, 0) + 1
                    if status >= 500:
                        errors += 1
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError):
                if time.perf_counter() >= measure_from:
                    errors += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
                await asyncio.sleep(0.01)
        if writer is not None:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    elapsed = max(1e-9, min(time.perf_counter(), deadline) - measure_from)
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 3),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(0.50), 2),
        "p99_ms": round(pct(0.99), 2),
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument(
        "--requests", required=True, help="JSON list of {method,path,headers,json}, or @FILE"
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--warmup", type=float, default=1.0)
    args = parser.parse_args()
    uvloop.install()
    result = asyncio.run(
        run(
            base_url=args.base_url,
            requests=json.loads(
                Path(args.requests[1:]).read_text()
                if args.requests.startswith("@")
                else args.requests
            ),
            connections=args.connections,
            duration=args.duration,
            max_requests=args.max_requests,
            warmup=args.warmup,
        )
    )
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
