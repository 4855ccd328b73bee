"""Ended sessions: recorded in a transaction, read by API processes in commit order."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from movierec_common.errors import UnauthorizedError
from movierec_common.events import Event, UserDeleted, UserSessionsEnded, make_event
from movierec_common.revocation import Revocations, consumer_handlers, end_sessions
from movierec_common.service import with_kernel_handlers
from movierec_testkit import eventually

RETENTION = 3600.0


def _view(db, poll: float = 0.05) -> Revocations:
    return Revocations(db, poll_seconds=poll, retention_seconds=RETENTION)


async def _end(db, user_id: uuid.UUID, ended_at: datetime) -> None:
    async with db.transaction() as session:
        await end_sessions(session, user_id, ended_at, retention_seconds=RETENTION)


async def test_tokens_issued_before_the_end_are_refused_later_ones_accepted(kernel_db):
    user, other = uuid.uuid4(), uuid.uuid4()
    ended = datetime.now(UTC)
    view = _view(kernel_db)
    await _end(kernel_db, user, ended)
    assert await view.refresh() == 1

    with pytest.raises(UnauthorizedError):
        view.check(user, ended.timestamp() - 0.000_001)
    view.check(user, ended.timestamp())  # issued at the end or after: a new session
    view.check(other, ended.timestamp() - 100)  # another user's sessions did not end
    assert await view.refresh() == 0  # only what is new is read again


async def test_a_later_end_wins_and_an_earlier_one_changes_nothing(kernel_db):
    user = uuid.uuid4()
    first = datetime.now(UTC)
    view = _view(kernel_db)
    await _end(kernel_db, user, first)
    await _end(kernel_db, user, first - timedelta(seconds=30))  # a late, older event
    await view.refresh()
    assert view.ended[user] == first.timestamp()
    await _end(kernel_db, user, first + timedelta(seconds=5))
    assert await view.refresh() == 1
    assert view.ended[user] == (first + timedelta(seconds=5)).timestamp()


async def test_a_writer_that_commits_late_is_not_missed_by_readers(kernel_db):
    """Sequence numbers are drawn under a lock held to commit: a reader that saw a later
    row cannot have skipped an earlier, still uncommitted one."""
    early, late = uuid.uuid4(), uuid.uuid4()
    view = _view(kernel_db)
    holding, release = asyncio.Event(), asyncio.Event()

    async def slow_writer() -> None:
        async with kernel_db.transaction() as session:
            await end_sessions(session, early, datetime.now(UTC), retention_seconds=RETENTION)
            holding.set()
            await release.wait()

    slow = asyncio.create_task(slow_writer())
    await holding.wait()
    fast = asyncio.create_task(_end(kernel_db, late, datetime.now(UTC)))
    await asyncio.sleep(0.3)
    assert not fast.done(), "the second writer must wait for the first one's commit"
    assert await view.refresh() == 0
    release.set()
    await asyncio.gather(slow, fast)
    await view.refresh()
    assert set(view.ended) == {early, late}


async def test_ends_older_than_the_retention_are_forgotten(kernel_db):
    old, recent = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    await _end(kernel_db, old, now - timedelta(seconds=RETENTION + 60))
    await _end(kernel_db, recent, now)
    view = _view(kernel_db)
    await view.refresh()
    assert set(view.ended) == {recent}
    async with kernel_db.transaction() as session:
        rows = await session.execute(text("SELECT user_id FROM session_revocation"))
        assert {r[0] for r in rows} == {recent}  # the writer pruned the old row


async def test_a_following_view_sees_an_end_within_its_poll(kernel_db):
    user = uuid.uuid4()
    view = _view(kernel_db, poll=0.05)
    stop = asyncio.Event()
    following = asyncio.create_task(view.follow(stop))
    await asyncio.sleep(0.1)
    ended_at = datetime.now(UTC)
    await _end(kernel_db, user, ended_at)
    started = time.monotonic()

    async def seen() -> bool:
        return user in view.ended

    await eventually(seen, timeout=2)
    assert time.monotonic() - started < 0.5
    stop.set()
    await following


def _event(event_type: str, payload) -> Event:
    return make_event(event_type, payload, producer="auth@test", aggregate_version=1)


async def test_every_consumer_records_ends_and_deletions_after_the_service_s_own_handler(
    kernel_db,
):
    user, deleted = uuid.uuid4(), uuid.uuid4()
    calls: list[str] = []

    async def own_user_deleted(session, event) -> None:
        calls.append("service")

    handlers = with_kernel_handlers(
        {"user.deleted": own_user_deleted}, consumer_handlers(RETENTION)
    )
    assert set(handlers) == {"user.deleted", "user.sessions_ended"}
    ended_at = datetime.now(UTC) - timedelta(seconds=1)
    async with kernel_db.transaction() as session:
        ended = UserSessionsEnded(user_id=user, ended_at=ended_at)
        await handlers["user.sessions_ended"](session, _event("user.sessions_ended", ended))
        gone = _event("user.deleted", UserDeleted(user_id=deleted))
        await handlers["user.deleted"](session, gone)
    assert calls == ["service"]
    view = _view(kernel_db)
    await view.refresh()
    assert view.ended == {user: ended_at.timestamp(), deleted: gone.occurred_at.timestamp()}
