"""Business rules of the watch history. Never commits: the caller's transaction does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.cache import Cache
from movierec_common.db import Database, after_commit
from movierec_common.demo import DEMO_NAMESPACE
from movierec_common.errors import NotFoundError
from movierec_common.events import WatchAdded, WatchRemoved
from movierec_common.known_movies import require_known_movie
from movierec_common.outbox import EventEmitter
from movierec_common.pagination import Page, PageParams
from movierec_common.users import lock_active_user, lock_user
from movierec_history import __version__
from movierec_history.config import Settings
from movierec_history.watch import repository
from movierec_history.watch.schemas import WatchOut


class EntryNotFoundError(NotFoundError):
    def __init__(self) -> None:
        super().__init__("No such entry in your history.")


def demo_entry_id(movielens_user_id: int, movie_id: int, stamp: datetime) -> uuid.UUID:
    """Deterministic ids make the demo import idempotent."""
    return uuid.uuid5(
        DEMO_NAMESPACE, f"watch:{movielens_user_id}:{movie_id}:{int(stamp.timestamp())}"
    )


class HistoryService:
    def __init__(self, settings: Settings, cache: Cache) -> None:
        self.settings = settings
        self.cache = cache
        self.events = EventEmitter(
            producer=f"history@{__version__}", exchange=settings.events_exchange
        )

    def _generation_key(self, user_id: uuid.UUID) -> str:
        return self.cache.key("user", user_id, "generation")

    def _invalidate(self, session: AsyncSession, user_ids: set[uuid.UUID]) -> None:
        async def invalidate() -> None:
            for user_id in user_ids:
                await self.cache.incr(self._generation_key(user_id))

        after_commit(session, invalidate)

    async def add(
        self, session: AsyncSession, user_id: uuid.UUID, movie_id: int, watched_at: datetime | None
    ) -> WatchOut:
        await lock_active_user(session, user_id)
        await require_known_movie(session, movie_id)
        entry_id, at = uuid.uuid4(), watched_at or datetime.now(UTC)
        await repository.insert(session, entry_id, user_id, movie_id, at)
        await self.events.emit(
            session,
            "watch.added",
            WatchAdded(entry_id=entry_id, user_id=user_id, movie_id=movie_id, watched_at=at),
        )
        self._invalidate(session, {user_id})
        return WatchOut(id=entry_id, movie_id=movie_id, title=None, watched_at=at)

    async def _remove(
        self, session: AsyncSession, user_id: uuid.UUID, entries: list[dict[str, Any]]
    ) -> None:
        if not entries:
            return
        await repository.delete(session, [e["id"] for e in entries])
        await self.events.emit_many(
            session,
            [
                (
                    "watch.removed",
                    WatchRemoved(
                        entry_id=e["id"],
                        user_id=user_id,
                        movie_id=e["movie_id"],
                        watched_at=e["watched_at"],
                    ),
                )
                for e in entries
            ],
        )
        self._invalidate(session, {user_id})

    async def remove_entry(
        self, session: AsyncSession, user_id: uuid.UUID, entry_id: uuid.UUID
    ) -> None:
        await lock_active_user(session, user_id)
        entries = await repository.entries_for_update(session, user_id, entry_id=entry_id)
        if not entries:
            raise EntryNotFoundError
        await self._remove(session, user_id, entries)

    async def remove_movie(self, session: AsyncSession, user_id: uuid.UUID, movie_id: int) -> int:
        await lock_active_user(session, user_id)
        entries = await repository.entries_for_update(session, user_id, movie_id=movie_id)
        await self._remove(session, user_id, entries)
        return len(entries)

    async def purge_user(
        self, session: AsyncSession, user_id: uuid.UUID, *, batch: int = 500
    ) -> int:
        """Remove every entry of a deleted user the normal way (with watch.removed events)."""
        await lock_user(session, user_id)
        removed = 0
        while entries := await repository.entries_for_update(session, user_id, limit=batch):
            await self._remove(session, user_id, entries)
            removed += len(entries)
        return removed

    async def import_watches(self, session: AsyncSession, rows: list[dict[str, Any]]) -> int:
        inserted = await repository.insert_many_ignoring_existing(session, rows)
        await self.events.emit_many(
            session,
            [
                (
                    "watch.added",
                    WatchAdded(
                        entry_id=r["id"],
                        user_id=r["user_id"],
                        movie_id=r["movie_id"],
                        watched_at=r["watched_at"],
                    ),
                )
                for r in inserted
            ],
        )
        if inserted:
            self._invalidate(session, {r["user_id"] for r in inserted})
        return len(inserted)

    async def list_mine(self, database: Database, user_id: uuid.UUID, page: PageParams) -> bytes:
        generation = await self.cache.get(self._generation_key(user_id)) or 0

        async def load() -> dict[str, Any]:
            async with database.transaction() as session:
                rows, total = await repository.list_for_user(
                    session, user_id, limit=page.limit, offset=page.offset
                )
            items = [
                WatchOut(**{k: r[k] for k in ("id", "movie_id", "title", "watched_at")})
                for r in rows
            ]
            return Page.of(items, total=total, params=page).model_dump(mode="json")

        key = self.cache.key("user", user_id, "list", generation, page.limit, page.offset)
        return await self.cache.get_or_set_raw(key, load, ttl=self.settings.cache_ttl_seconds)
