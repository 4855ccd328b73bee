"""README walkthroughs run verbatim: the sh block after ``<!-- readme-test: NAME -->``."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path


def readme_block(readme: Path, name: str) -> str:
    """The sh block that follows ``<!-- readme-test: NAME -->`` in ``readme``."""
    match = re.search(
        rf"<!-- readme-test: {name} -->\s*```sh\n(.*?)```", readme.read_text(), re.DOTALL
    )
    assert match, f"{readme} has no readme-test block {name!r}"
    return match.group(1)


async def run_sh(script: str, *, env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Run ``script`` with bash -euo pipefail; its exit code and combined output."""
    proc = await asyncio.create_subprocess_exec(
        "bash",
        "-euo",
        "pipefail",
        "-c",
        script,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode()
