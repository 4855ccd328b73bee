"""Logged failures never carry local variables or SQL parameters (passwords, hashes,
emails), and a traceback is one plain block, in both log formats."""

from __future__ import annotations

import logging
import sys

import pytest
from sqlalchemy import text

from movierec_common.logging import stdlib_formatter


def _failing_record() -> logging.LogRecord:
    def handle(password: str) -> None:
        password_hash = f"$argon2id$v=19${password}"  # noqa: F841 - a local a renderer could show
        raise ValueError("boom")

    try:
        handle("-".join(("hunter2", "very", "secret")))  # the value appears only at run time
    except ValueError:
        return logging.LogRecord(
            "uvicorn.error", logging.ERROR, __file__, 1, "Exception in ASGI app", (),
            sys.exc_info(),
        )  # fmt: skip
    raise AssertionError("unreachable")


@pytest.mark.parametrize("json", [False, True], ids=["console", "json"])
def test_a_traceback_shows_no_local_variables(json):
    out = stdlib_formatter(json=json).format(_failing_record())
    assert "ValueError: boom" in out
    assert "handle" in out  # the frames are there
    assert "hunter2-very-secret" not in out


async def test_database_errors_do_not_carry_their_parameters(kernel_db):
    with pytest.raises(Exception) as failed:
        async with kernel_db.transaction() as session:
            await session.execute(
                text("SELECT 1 / :zero WHERE :email <> ''"), {"zero": 0, "email": "ada@example.com"}
            )
    assert "division by zero" in str(failed.value)
    assert "ada@example.com" not in str(failed.value)
