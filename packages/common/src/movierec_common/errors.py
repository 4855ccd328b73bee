"""Errors as ``application/problem+json`` (RFC 9457).

Business errors subclass :class:`ProblemError` and carry their own status code, so they
never surface as 500s.
"""

from __future__ import annotations

import socket
from http import HTTPStatus
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from movierec_common.logging import get_logger

log = get_logger(__name__)

PROBLEM_JSON = "application/problem+json"


class ProblemError(Exception):
    """An error with an HTTP status, a short title and a human detail."""

    status_code: int = 400
    title: str | None = None

    def __init__(
        self,
        detail: str,
        *,
        status_code: int | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status_code is not None:
            self.status_code = status_code
        self.headers = headers or {}
        self.extra = extra


class NotFoundError(ProblemError):
    status_code = 404


class ConflictError(ProblemError):
    status_code = 409


class UnauthorizedError(ProblemError):
    status_code = 401

    def __init__(self, detail: str = "Not authenticated", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kwargs)


class AccountDeletedError(UnauthorizedError):
    """A still-valid token of an account whose deletion this service has applied."""

    def __init__(self) -> None:
        super().__init__("This account has been deleted.")


class ForbiddenError(ProblemError):
    status_code = 403


class ServiceUnavailableError(ProblemError):
    status_code = 503


class FieldError(BaseModel):
    field: str
    location: str
    message: str
    type: str | None = None


class Problem(BaseModel):
    """An error response (RFC 9457 problem details)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


def problem(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    request: Request | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail is not None:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.url.path
        request_id = request.scope.get("request_id")
        if request_id:
            body["request_id"] = request_id
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def problem_response(exc: ProblemError, request: Request) -> JSONResponse:
    """The problem+json answer of ``exc``. An endpoint returns it instead of raising when
    the request's transaction must still commit (raising rolls it back)."""
    return problem(
        exc.status_code,
        exc.detail,
        title=exc.title,
        headers=exc.headers,
        request=request,
        **exc.extra,
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        errors.append(
            {
                "field": ".".join(p for p in loc if p not in ("body", "query", "path")) or "body",
                "location": loc[0] if loc else "body",
                "message": err.get("msg", "invalid value"),
                "type": err.get("type"),
            }
        )
    return errors


#: SQLSTATEs of text PostgreSQL cannot hold (a NUL character, raw or as ``\\u0000`` in
#: JSON): the client's input is at fault, whichever field or parameter carried it.
_UNSTORABLE_TEXT = frozenset({"22021", "22P05"})


def _sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL error code behind ``exc`` (asyncpg's error, or SQLAlchemy's
    wrapping of it), if any."""
    for e in _causes(exc):
        code = getattr(e, "sqlstate", None)
        if isinstance(code, str):
            return code
    return None


#: What a lost, refused or timed-out connection raises (to the database most often),
#: bare or wrapped by SQLAlchemy.
_UNREACHABLE = (
    ConnectionError,
    TimeoutError,
    socket.gaierror,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up
    # A pooled connection whose server died mid-operation: its protocol state is broken
    # ("cannot switch to state …"); asyncpg discards it, the next try gets a new one.
    asyncpg.InternalClientError,
)


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps (SQLAlchemy's ``orig``, the ``__cause__`` chain)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 5:
        chain.append(current)
        current = getattr(current, "orig", None) or current.__cause__
    return chain


def _unreachable(exc: BaseException) -> bool:
    """True when ``exc`` means a backing service could not be reached (not a bug: try
    later)."""
    return any(
        isinstance(e, _UNREACHABLE) or getattr(e, "connection_invalidated", False)
        for e in _causes(exc)
    )


def install_error_handlers(app: FastAPI) -> None:
    """Render every error the app can raise as problem+json."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(
            exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None), request=request
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return problem(
            422,
            f"Invalid request: {summary}",
            title="Validation failed",
            request=request,
            errors=errors,
        )

    @app.exception_handler(DBAPIError)
    @app.exception_handler(asyncpg.PostgresError)
    @app.exception_handler(ConnectionError)
    @app.exception_handler(TimeoutError)
    @app.exception_handler(socket.gaierror)
    @app.exception_handler(asyncpg.InternalClientError)
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        if _unreachable(exc):
            # Expected during an outage or a failover: one line, no traceback.
            log.warning("dependency_unreachable", path=request.url.path, error=repr(exc))
            return problem(
                503,
                "A service this request needs (its database) is unreachable; try again shortly.",
                headers={"Retry-After": "5"},
                request=request,
            )
        if _sqlstate(exc) in _UNSTORABLE_TEXT:
            return problem(
                422,
                "Text must not contain NUL characters (\\u0000).",
                title="Validation failed",
                request=request,
            )
        return server_error(request, exc)

    # Any other error is a bug, answered by the kernel middleware (server_error): here,
    # Starlette would answer it and then re-raise it to the server, which logs it again.


def server_error(request: Request, exc: BaseException) -> JSONResponse:
    """A bug: logged once with its traceback, answered as a 500 that tells nothing more."""
    log.error("unhandled_error", path=request.url.path, exc_info=exc)
    return problem(500, "An unexpected error occurred.", request=request)


def problem_openapi(app: FastAPI) -> None:
    """Document every error response as problem+json (FastAPI's default says plain JSON)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        defs = components["Problem"].pop("$defs", {})
        components.update(defs)
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        ref = {"$ref": "#/components/schemas/Problem"}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.get("responses", {})
                has_input = operation.get("parameters") or operation.get("requestBody")
                if has_input and "422" not in responses:
                    responses["422"] = {"description": "Validation failed"}
                if operation.get("requestBody") and "400" not in responses:
                    responses["400"] = {"description": "Body could not be decoded"}
                for code, response in responses.items():
                    if code.isdigit() and int(code) >= 400:
                        response["content"] = {PROBLEM_JSON: {"schema": ref}}
        app.openapi_schema = schema
        return schema

    # Replacing app.openapi is FastAPI's documented way to customise the schema.
    app.openapi = openapi  # type: ignore[method-assign]
