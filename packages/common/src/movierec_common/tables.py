"""Tables every service database carries: outbox, inbox, aggregate versions, tombstones,
ended sessions.

This is their one definition; the kernel's own migrations (``migrations/versions``,
shared by every service's migration history) create them as frozen DDL, and the schema
check compares a migrated database with these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    LargeBinary,
    Sequence,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from movierec_common.db import new_metadata, required

kernel_metadata = new_metadata()

#: Messages recorded in a domain transaction, published by the relay, then deleted.
outbox_table = Table(
    "outbox",
    kernel_metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    required("message_id", Uuid),
    required("exchange", Text),
    required("routing_key", Text),
    required("content_type", Text),
    required("headers", JSONB, server_default="{}"),
    required("properties", JSONB, server_default="{}"),
    required("body", LargeBinary),
    required("created_at", DateTime(timezone=True), server_default=func.now()),
)

#: Ids of events a consumer has applied (idempotency).
inbox_table = Table(
    "inbox",
    kernel_metadata,
    Column("event_id", Uuid, primary_key=True),
    required("event_type", Text),
    required("processed_at", DateTime(timezone=True), server_default=func.now()),
    Index("ix_inbox_processed_at", "processed_at"),
)

#: Last version applied per (family, aggregate_id): older events are ignored.
aggregate_version_table = Table(
    "aggregate_version",
    kernel_metadata,
    Column("family", Text, primary_key=True),
    Column("aggregate_id", Text, primary_key=True),
    required("version", BigInteger),
)

#: Deleted users and movies: late events that mention them cannot resurrect them.
tombstone_table = Table(
    "tombstone",
    kernel_metadata,
    Column("kind", Text, primary_key=True),
    Column("entity_id", Text, primary_key=True),
    required("version", BigInteger),
    required("deleted_at", DateTime(timezone=True), server_default=func.now()),
)

#: Users whose sessions ended: access tokens issued before ``ended_at`` are refused (see
#: movierec_common.revocation). ``seq`` grows with every write, in commit order, so API
#: processes read only what is new.
session_revocation_seq = Sequence("session_revocation_seq", metadata=kernel_metadata)
session_revocation_table = Table(
    "session_revocation",
    kernel_metadata,
    Column("user_id", Uuid, primary_key=True),
    required("ended_at", DateTime(timezone=True)),
    required("seq", BigInteger, server_default=session_revocation_seq.next_value()),
    Index("ix_session_revocation_seq", "seq"),
    Index("ix_session_revocation_ended_at", "ended_at"),
)

#: Source of aggregate versions of the events this service produces.
aggregate_version_seq = Sequence("aggregate_version_seq", metadata=kernel_metadata)
