"""Child processes of the tools (bench, tests) start on the loop the tools run on."""

from __future__ import annotations

import sys

from movierec_common import aio
from movierec_tools.processes import ServiceProcess


def test_a_child_process_starts_on_the_tools_loop() -> None:
    """`movierec bench` runs on uvloop (movierec_common.aio.run), whose subprocess_exec
    refuses arguments asyncio's accepts (user and group, even as None): the bench's movies
    case failed to start its API."""

    async def run() -> tuple[int, str]:
        process = ServiceProcess("hello", [sys.executable, "-c", "print('hello from a child')"])
        try:
            await process.start()
            assert process.proc is not None
            return await process.proc.wait(), process.tail()
        finally:
            process.log_path.unlink(missing_ok=True)

    code, output = aio.run(run())
    assert code == 0
    assert "hello from a child" in output
