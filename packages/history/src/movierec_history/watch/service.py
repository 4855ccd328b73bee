"""Business rules of the watch history. Never commits: the caller's transaction does."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.demo import DEMO_NAMESPACE, DemoRating
from movierec_common.errors import NotFoundError, ProblemError
from movierec_common.events import WatchAdded, WatchRemoved
from movierec_common.pagination import PageParams
from movierec_history.watch import repository
from movierec_history.watch.repository import Entry
from movierec_history.watch.schemas import WatchOut
from movierec_userdata.service import UserDataService
from movierec_userdata.users import lock_active_user


class EntryNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No such entry in your history.")


class IdempotencyKeyReusedError(ProblemError):
    status_code = 422
    title = "Idempotency-Key reused"

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key already recorded a watch of another movie or time;"
            " use a new key for a new watch."
        )


def demo_entry_id(movielens_user_id: int, movie_id: int, stamp: datetime) -> uuid.UUID:
    """Deterministic ids make the demo import idempotent."""
    return uuid.uuid5(
        DEMO_NAMESPACE, f"watch:{movielens_user_id}:{movie_id}:{int(stamp.timestamp())}"
    )


def _event(entry: Entry, *, added: bool) -> tuple[str, WatchAdded | WatchRemoved]:
    """watch.added or watch.removed of ``entry`` (both carry the whole entry)."""
    event_type, payload = ("watch.added", WatchAdded) if added else ("watch.removed", WatchRemoved)
    return event_type, payload(**{**asdict(entry), "entry_id": entry.id})


# The write function (migration 0004): one round trip.
_ADD = "SELECT outcome, entry_id, watched_at FROM watch_add($1, $2, $3, $4, $5, $6, $7, $8)"


class HistoryService(UserDataService):
    async def add(
        self,
        *,
        user_id: uuid.UUID,
        movie_id: int,
        watched_at: datetime | None,
        idempotency_key: str | None = None,
    ) -> tuple[WatchOut, bool]:
        """Record a watch in one round trip. Returns (entry, replayed): with an
        ``idempotency_key`` the user already sent, nothing new is recorded and the entry
        that request recorded comes back."""
        entry = Entry(
            id=uuid.uuid4(),
            user_id=user_id,
            movie_id=movie_id,
            watched_at=watched_at or datetime.now(UTC),
        )
        event = self.events.build(*_event(entry, added=True))
        outcome, entry_id, at = await self.write(
            _ADD, entry.id, user_id, movie_id, entry.watched_at, watched_at is not None,
            idempotency_key, self.events.exchange, event,
            user_id=user_id, movie_id=movie_id,
        )  # fmt: skip
        if outcome == "key_reused":
            raise IdempotencyKeyReusedError
        out = WatchOut(id=entry_id, movie_id=movie_id, title=None, watched_at=at)
        return out, outcome == "replayed"

    async def _remove(self, session: AsyncSession, entries: list[Entry]) -> None:
        if not entries:
            return
        await repository.delete_entries(session, [e.id for e in entries])
        await self.events.emit_many(session, [_event(e, added=False) for e in entries])
        self.touched(session, {e.user_id for e in entries})

    async def remove_entry(
        self, session: AsyncSession, *, user_id: uuid.UUID, entry_id: uuid.UUID
    ) -> None:
        await lock_active_user(session, user_id)
        entries = await repository.entries_for_update(session, user_id=user_id, entry_id=entry_id)
        if not entries:
            raise EntryNotFoundError
        await self._remove(session, entries)

    async def remove_movie(
        self, session: AsyncSession, *, user_id: uuid.UUID, movie_id: int
    ) -> int:
        await lock_active_user(session, user_id)
        entries = await repository.entries_for_update(session, user_id=user_id, movie_id=movie_id)
        await self._remove(session, entries)
        return len(entries)

    async def remove_some(self, session: AsyncSession, *, user_id: uuid.UUID, limit: int) -> int:
        entries = await repository.entries_for_update(session, user_id=user_id, limit=limit)
        await self._remove(session, entries)
        return len(entries)

    async def import_demo(self, session: AsyncSession, *, ratings: list[DemoRating]) -> int:
        """Each rated movie as watched at the rating's time."""
        entries = [
            Entry(
                id=demo_entry_id(r.movielens_user_id, r.movie_id, r.rated_at),
                user_id=r.user_id,
                movie_id=r.movie_id,
                watched_at=r.rated_at,
            )
            for r in ratings
        ]
        inserted = await repository.insert_entries(session, entries)
        await self.events.emit_many(session, [_event(e, added=True) for e in inserted])
        self.touched(session, {e.user_id for e in inserted})
        return len(inserted)

    async def list_mine(
        self, *, user_id: uuid.UUID, page: PageParams, movie_id: int | None = None
    ) -> bytes:
        async def load(session: AsyncSession) -> tuple[list[WatchOut], int]:
            rows, total = await repository.list_for_user(
                session, user_id=user_id, limit=page.limit, offset=page.offset, movie_id=movie_id
            )
            items = [
                WatchOut(id=r.id, movie_id=r.movie_id, title=r.title, watched_at=r.watched_at)
                for r in rows
            ]
            return items, total

        return await self.user_page(user_id, movie_id, page=page, load=load)
