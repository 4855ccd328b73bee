"""`movierec load`: what it counts as failed, how it measures gaps, how it fails over."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import httpx

from movierec_tools.load import (
    FAILED,
    OK,
    THROTTLED,
    Edges,
    Outcome,
    Window,
    read_windows,
    window_report,
)
from movierec_tools.processes import free_port


def test_a_window_counts_failures_and_the_longest_time_without_a_success():
    outcomes = [
        Outcome(100.5, OK, "GET /movies 200"),
        Outcome(101.0, FAILED, "PUT /ratings timeout"),
        Outcome(103.0, FAILED, "PUT /ratings timeout"),
        Outcome(104.0, THROTTLED, "GET /movies 429"),  # neither a success nor a failure
        Outcome(106.5, OK, "PUT /ratings 200"),
        Outcome(107.0, OK, "GET /recommendations 404"),  # answered
        Outcome(120.0, FAILED, "GET /movies 502"),  # outside the window
    ]
    report = window_report(outcomes, Window("node2 powered off", 100.0, 110.0))
    assert (report["requests"], report["failed"], report["throttled"]) == (6, 2, 1)
    assert report["failures"] == {"PUT /ratings timeout": 2}
    assert report["longest_gap_s"] == 6.0  # 100.5 → 106.5
    assert report["longest_gap_from_s"] == 0.5
    # No success at all: the whole window is one gap.
    quiet = window_report(outcomes[1:3], Window("down", 100.0, 104.0))
    assert quiet["longest_gap_s"] == 4.0


def test_windows_are_read_from_the_drill_s_file(tmp_path):
    path = tmp_path / "windows"
    path.write_text("rolling update (every API) 10.5 20.25\nnode3 powered off 30 45\n")
    assert read_windows(path) == [
        Window("rolling update (every API)", 10.5, 20.25),
        Window("node3 powered off", 30.0, 45.0),
    ]
    assert read_windows(tmp_path / "absent") == []


async def test_a_request_goes_to_the_next_edge_when_one_refuses_the_connection(tmp_path):
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        live = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(timeout=2) as http:
            deadline = time.monotonic() + 10
            while True:
                try:
                    await http.get(live)
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline, "the HTTP server did not start"
                    await asyncio.sleep(0.1)
            edges = Edges([f"http://127.0.0.1:{free_port()}", live], http)
            assert (await edges.request("GET", "/")).status_code == 200
            assert edges.current == 1  # the next request starts from the one that answered
    finally:
        server.terminate()
        await server.wait()
