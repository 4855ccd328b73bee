"""Tables of the history service (besides the kernel's and the user-data library's)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    func,
)

from movierec_common.db import new_metadata, required

metadata = new_metadata()

watch_entry = Table(
    "watch_entry",
    metadata,
    required("id", Uuid),
    required("user_id", Uuid),
    required("movie_id", Integer),
    required("watched_at", DateTime(timezone=True)),
    required("created_at", DateTime(timezone=True), server_default=func.now()),
    # The client's Idempotency-Key of the POST that recorded it (a retry finds it).
    Column("idempotency_key", Text),
    PrimaryKeyConstraint("id", name="watch_entry_pkey"),
)
# A user's history, newest first (the list), and one movie's entries (its removal).
Index(
    "ix_watch_entry_user_watched_at",
    watch_entry.c.user_id,
    watch_entry.c.watched_at.desc(),
    watch_entry.c.id,
)
Index("ix_watch_entry_user_movie", watch_entry.c.user_id, watch_entry.c.movie_id)
Index(
    "ux_watch_entry_user_idempotency_key",
    watch_entry.c.user_id,
    watch_entry.c.idempotency_key,
    unique=True,
    postgresql_where=watch_entry.c.idempotency_key.isnot(None),
)
