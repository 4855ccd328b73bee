"""``movierec bench``: the project's one benchmark tool.

Every run starts a bare FastAPI hello endpoint as the baseline and measures it in the same
run as the cases, so results are reported as ratios that survive a noisy machine. Loopback
only; every case is bounded in time and in count.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from movierec_common.settings import CommonSettings
from movierec_tools.bench_core import Bench
from movierec_tools.bench_kernel import consumer_throughput, relay_latency, relay_throughput
from movierec_tools.bench_movies import movies_cases
from movierec_tools.bench_platform import platform_writes
from movierec_tools.bench_recs import recs_cases
from movierec_tools.bench_userdata import userdata_cases

Case = Callable[[Bench, CommonSettings], Awaitable[Any]]

CASES: dict[str, Case] = {
    "relay": relay_latency,
    "relay-throughput": relay_throughput,
    "consumer": consumer_throughput,
    "consumer-unbatched": lambda b, s: consumer_throughput(
        b, s, count=1000, batch_size=1, pack_size=1
    ),
    "movies": movies_cases,
    "writes": userdata_cases,
    "recs": recs_cases,
    # Measures the platform `movierec up` runs (not started by the bench): asked for by name.
    "platform-writes": platform_writes,
}
#: What a bare ``movierec bench`` runs.
DEFAULT_CASES = [name for name in CASES if name != "platform-writes"]


async def run_bench(
    *, cases: list[str], duration: float, connections: int, max_requests: int, as_json: bool
) -> str:
    settings = CommonSettings()
    bench = Bench(duration=duration, connections=connections, max_requests=max_requests)
    try:
        await bench.baseline()
        for name in cases:
            await CASES[name](bench, settings)
    finally:
        bench.stop_servers()
    table = bench.report()
    if as_json:
        return json.dumps([asdict(r) for r in bench.results], indent=2)
    return table
