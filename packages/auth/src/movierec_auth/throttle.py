"""The throttles' counters: fixed windows in the auth database.

Failed logins per account, credential requests per client address and reset mails per
address are counted here rather than in Redis: an outage of Redis then neither stops
logins nor opens accounts to guessing, and the platform needs Redis for speed only (its
caches). Each count is its own short transaction, committed before the request goes on:
a request that fails afterwards has still been counted, and parallel guesses cannot all
read "not too many yet" (the upsert takes the row's lock). A reset (a right password) is
part of the request's own transaction: it counts only if the request's work commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.db import Database

_INCREMENT = text(
    """
    INSERT INTO throttle_window AS t (key, count, window_ends)
    VALUES (:key, 1, now() + make_interval(secs => :window))
    ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN t.window_ends > now() THEN t.count + 1 ELSE 1 END,
        window_ends = CASE WHEN t.window_ends > now() THEN t.window_ends
                           ELSE excluded.window_ends END
    RETURNING count, greatest(1, ceil(extract(epoch FROM t.window_ends - now())))::int
    """
)
_RESET = text("DELETE FROM throttle_window WHERE key = :key")
_PURGE = text("DELETE FROM throttle_window WHERE window_ends < now()")


@dataclass(frozen=True)
class Count:
    #: Events of the subject in the current window, this one included.
    count: int
    #: Seconds until the window ends (a 429's Retry-After).
    retry_after: int


class WindowCounter:
    """Events per subject in fixed windows of ``window_seconds``, under ``kind``."""

    def __init__(self, database: Database, *, kind: str, window_seconds: int) -> None:
        self.database = database
        self.kind = kind
        self.window = window_seconds

    def key(self, subject: str) -> str:
        return f"{self.kind}:{subject}"

    async def increment(self, subject: str) -> Count:
        """Count one more event of ``subject``."""
        params = {"key": self.key(subject), "window": self.window}
        async with self.database.engine.begin() as conn:
            count, retry_after = (await conn.execute(_INCREMENT, params)).one()
        return Count(count, retry_after)

    async def reset(self, session: AsyncSession, subject: str) -> None:
        """Forget ``subject``'s count when ``session``'s transaction commits."""
        await session.execute(_RESET, {"key": self.key(subject)})


async def purge_ended_windows(database: Database) -> int:
    """Forget windows that have ended (the purge task); the number removed."""
    async with database.engine.begin() as conn:
        return (await conn.execute(_PURGE)).rowcount
