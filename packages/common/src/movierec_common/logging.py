"""structlog configuration: JSON lines on stdout, request id bound via contextvars."""

from __future__ import annotations

import asyncio
import atexit
import logging
import sys
import threading
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

import structlog

_configured = False

#: How long a line at info level or below may wait in an event loop's process before it is
#: written (with the others of that while, in one write).
LINE_DELAY_SECONDS = 0.1
_MAX_PENDING = 256


class LogLines:
    """stdout for log lines, written in blocks.

    A request's access line at info level was one write to stdout each, a tenth of a write
    request's CPU (the system call, and waking whoever reads the pipe). Once
    :meth:`defer` was called (the HTTP app does, its loop runs as long as the process), info
    and debug lines logged on an event loop wait up to :data:`LINE_DELAY_SECONDS` (or until
    256 are waiting) and go out together; a warning or worse, a line from the standard
    library's loggers, a line from a thread without a loop, and the process's exit write
    everything waiting at once, so the order of lines is kept.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._pending: list[str] = []
        self._scheduled = False
        self._deferring = False
        self._lock = threading.Lock()

    def defer(self) -> None:
        """Let info and debug lines wait (see the class)."""
        self._deferring = True

    def add(self, line: str, *, urgent: bool) -> None:
        with self._lock:
            self._pending.append(line)
            if self._deferring and not urgent and len(self._pending) < _MAX_PENDING:
                if self._scheduled:
                    return
                try:
                    asyncio.get_running_loop().call_later(LINE_DELAY_SECONDS, self.flush)
                except RuntimeError:
                    pass  # no loop in this thread: written now
                else:
                    self._scheduled = True
                    return
            self._write()

    def flush(self) -> None:
        with self._lock:
            self._write()

    def _write(self) -> None:
        self._scheduled = False
        if self._pending:
            text = "\n".join(self._pending) + "\n"
            self._pending.clear()
            self._stream.write(text)
            self._stream.flush()

    # As the stream of the standard library's handler: its lines are written at once.
    def write(self, text: str) -> None:
        self.add(text.removesuffix("\n"), urgent=True)


class _LinesLogger:
    """structlog's logger over :class:`LogLines` (in place of ``PrintLogger``)."""

    def __init__(self, lines: LogLines) -> None:
        self._lines = lines

    def _later(self, message: str) -> None:
        self._lines.add(message, urgent=False)

    def _now(self, message: str) -> None:
        self._lines.add(message, urgent=True)

    debug = info = msg = log = _later
    warning = warn = error = err = critical = exception = fatal = failure = _now


_lines = LogLines(sys.stdout)
atexit.register(_lines.flush)

#: The current request's id (set by the web middleware); added to every log line and used
#: as the correlation id of the events a request records.
REQUEST_ID: ContextVar[str | None] = ContextVar("movierec_request_id", default=None)


def defer_info_lines() -> None:
    """Write info and debug lines in blocks from now on (:class:`LogLines`)."""
    _lines.defer()


def flush_log_lines() -> None:
    """Write the lines waiting now."""
    _lines.flush()


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    """Configure structlog and the standard library logging once per process."""
    global _configured  # noqa: PLW0603 - process-wide, idempotent configuration
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_request_id,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer = _renderer(json=json)
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=lambda *args: _LinesLogger(_lines),
        cache_logger_on_first_use=True,
    )
    if not _configured:
        handler = logging.StreamHandler(_lines)
        handler.setFormatter(stdlib_formatter(json=json, pre_chain=shared))
        root = logging.getLogger()
        root.handlers[:] = [handler]
        root.setLevel(level.upper())
        # uvicorn's access log duplicates our request log line.
        logging.getLogger("uvicorn.access").disabled = True
        _configured = True


def _renderer(*, json: bool) -> structlog.types.Processor:
    if json:
        return structlog.processors.JSONRenderer()
    # A plain traceback: the default (rich, when installed) prints every frame's local
    # variables (passwords, hashes, emails) and costs seconds of CPU per exception.
    return structlog.dev.ConsoleRenderer(
        colors=False, exception_formatter=structlog.dev.plain_traceback
    )


def stdlib_formatter(
    *, json: bool, pre_chain: list[structlog.types.Processor] | None = None
) -> logging.Formatter:
    """How records of the standard library's loggers (uvicorn, Celery, SQLAlchemy) are
    written: as ours, a traceback as a plain string field without local variables."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=pre_chain or [],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _renderer(json=json),
        ],
    )


def _add_request_id(
    logger: Any, method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    request_id = REQUEST_ID.get()
    if request_id is not None:
        event.setdefault("request_id", request_id)
    return event


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """Return a structlog logger (JSON by default)."""
    return structlog.get_logger(name)
