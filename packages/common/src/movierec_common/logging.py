"""structlog configuration: JSON lines on stdout, request id bound via contextvars."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

import structlog

_configured = False

#: The current request's id (set by the web middleware); added to every log line and used
#: as the correlation id of the events a request records.
REQUEST_ID: ContextVar[str | None] = ContextVar("movierec_request_id", default=None)


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
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    if not _configured:
        handler = logging.StreamHandler(sys.stdout)
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
