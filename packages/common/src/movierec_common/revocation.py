"""Ended sessions: access tokens issued before a user's sessions ended are refused.

A signed access token is valid until it expires; when a user's sessions end (logout, a
reused refresh token, a password change, deletion) the tokens already handed out must stop
working everywhere, reads included. Each service's database holds the ends it knows in
``session_revocation`` (one row per user, the latest end):

* auth writes the row in the transaction that ends the sessions, and emits
  ``user.sessions_ended`` (or ``user.deleted``);
* every consumer writes the same row from those events (:func:`consumer_handlers`, added
  by the kernel to every service's consumer);
* every API process keeps the rows of the last ``revocation_retention_seconds`` in memory
  (:class:`Revocations`), reading the new ones every ``revocation_poll_seconds``, and the
  bearer dependency refuses a token whose ``iat`` is earlier than its user's end.

So a revocation reaches auth at once and the other services within the relay's and the
consumer's delay plus one poll (well under a second). Writers serialise on an advisory
lock taken before the row's ``seq`` is drawn, so ``seq`` follows commit order and a reader
that asks only for rows after the last ``seq`` it saw misses none.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.consumer import Handler
from movierec_common.db import Database
from movierec_common.errors import UnauthorizedError
from movierec_common.events import Event, UserDeleted, UserSessionsEnded
from movierec_common.logging import get_logger

log = get_logger(__name__)

#: The advisory lock that orders writers (any constant unique to this use).
_WRITERS_LOCK = 0x5E55_10E5

_RECORD = text(
    """
    INSERT INTO session_revocation (user_id, ended_at) VALUES (:user_id, :ended_at)
    ON CONFLICT (user_id) DO UPDATE
        SET ended_at = greatest(session_revocation.ended_at, excluded.ended_at),
            seq = excluded.seq
    """
)
_PRUNE = text("DELETE FROM session_revocation WHERE ended_at < :before")
_NEW_ROWS = """
    SELECT seq, user_id, ended_at FROM session_revocation
    WHERE seq > $1 AND ended_at >= $2 ORDER BY seq
"""


async def end_sessions(
    session: AsyncSession, user_id: uuid.UUID, ended_at: datetime, *, retention_seconds: float
) -> None:
    """Record in ``session``'s transaction that ``user_id``'s sessions ended at ``ended_at``
    (a later end wins); rows older than the retention go."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITERS_LOCK})
    await session.execute(_RECORD, {"user_id": user_id, "ended_at": ended_at})
    before = ended_at - timedelta(seconds=retention_seconds)
    await session.execute(_PRUNE, {"before": before})


def consumer_handlers(retention_seconds: float) -> dict[str, Handler]:
    """What every consumer does with auth's session events (beside its own handlers)."""

    async def sessions_ended(session: AsyncSession, event: Event) -> None:
        data: UserSessionsEnded = event.data()
        await end_sessions(
            session, data.user_id, data.ended_at, retention_seconds=retention_seconds
        )

    async def user_deleted(session: AsyncSession, event: Event) -> None:
        data: UserDeleted = event.data()
        await end_sessions(
            session, data.user_id, event.occurred_at, retention_seconds=retention_seconds
        )

    return {"user.sessions_ended": sessions_ended, "user.deleted": user_deleted}


class Revocations:
    """One API process's view of ``session_revocation``: user id → end (epoch seconds)."""

    def __init__(
        self, database: Database, *, poll_seconds: float, retention_seconds: float
    ) -> None:
        self.database = database
        self.poll_seconds = poll_seconds
        self.retention_seconds = retention_seconds
        self._ended: dict[uuid.UUID, float] = {}
        self._seq = 0
        self._failing = False

    @property
    def ended(self) -> Mapping[uuid.UUID, float]:
        return self._ended

    def check(self, user_id: uuid.UUID, issued_at: float) -> None:
        """Raise :class:`UnauthorizedError` if the token was issued before the user's
        sessions ended."""
        ended = self._ended.get(user_id)
        if ended is not None and issued_at < ended:
            raise UnauthorizedError("This session has ended; log in again.")

    async def refresh(self) -> int:
        """Read the rows written since the last call; returns how many."""
        oldest = time.time() - self.retention_seconds
        rows = await self.database.fetch(_NEW_ROWS, self._seq, datetime.fromtimestamp(oldest, UTC))
        for row in rows:
            self._seq = row["seq"]
            self._ended[row["user_id"]] = row["ended_at"].timestamp()
        if rows and len(self._ended) > len(rows):
            self._ended = {u: t for u, t in self._ended.items() if t >= oldest}
        return len(rows)

    async def follow(self, stop: asyncio.Event) -> None:
        """Refresh every ``poll_seconds`` until ``stop``. While the database cannot be read
        the last view stays in force: no revocation can be recorded there meanwhile, and
        the consumer records the ones that wait in its queue when it is back."""
        while not stop.is_set():
            try:
                await self.refresh()
                if self._failing:
                    log.info("revocations_readable_again")
                self._failing = False
            except Exception as exc:  # noqa: BLE001 - retried at the next poll
                if not self._failing:
                    log.warning("revocations_unreadable", error=repr(exc))
                self._failing = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_seconds)
