"""Logged failures never carry local variables or SQL parameters (passwords, hashes,
emails), and a traceback is one plain block, in both log formats."""

from __future__ import annotations

import asyncio
import logging
import sys

import pytest
from sqlalchemy import text

from movierec_common.logging import LINE_DELAY_SECONDS, LogLines, stdlib_formatter


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


class _Stream:
    def __init__(self) -> None:
        self.writes: list[str] = []

    def write(self, text: str) -> None:
        self.writes.append(text)

    def flush(self) -> None:
        pass


def test_lines_are_written_at_once_until_deferred():
    stream = _Stream()
    lines = LogLines(stream)
    lines.add("a", urgent=False)
    assert stream.writes == ["a\n"]


async def test_deferred_lines_go_out_together_and_a_warning_keeps_their_order():
    stream = _Stream()
    lines = LogLines(stream)
    lines.defer()
    lines.add("one", urgent=False)
    lines.add("two", urgent=False)
    assert stream.writes == []
    await asyncio.sleep(LINE_DELAY_SECONDS * 2)
    assert stream.writes == ["one\ntwo\n"]
    lines.add("three", urgent=False)
    lines.add("a warning", urgent=True)
    assert stream.writes == ["one\ntwo\n", "three\na warning\n"]
    lines.write("a stdlib record\n")  # the standard library's handler: at once
    assert stream.writes[-1] == "a stdlib record\n"


def test_deferred_lines_from_a_thread_without_a_loop_are_written_at_once():
    stream = _Stream()
    lines = LogLines(stream)
    lines.defer()
    lines.add("from a worker", urgent=False)
    assert stream.writes == ["from a worker\n"]
