"""Tables every service database carries: outbox, inbox, aggregate versions, tombstones.

Each service's first migration creates them with :func:`create_kernel_tables`, so the
kernel's schema is defined once.
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
from sqlalchemy.engine import Connection

from movierec_common.db import new_metadata

kernel_metadata = new_metadata()

#: Messages recorded in a domain transaction, published by the relay, then deleted.
outbox_table = Table(
    "outbox",
    kernel_metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("message_id", Uuid, nullable=False),
    Column("exchange", Text, nullable=False),
    Column("routing_key", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("headers", JSONB, nullable=False, server_default="{}"),
    Column("properties", JSONB, nullable=False, server_default="{}"),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

#: Ids of events a consumer has applied (idempotency).
inbox_table = Table(
    "inbox",
    kernel_metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("event_type", Text, nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_inbox_processed_at", "processed_at"),
)

#: Last version applied per (family, aggregate_id): older events are ignored.
aggregate_version_table = Table(
    "aggregate_version",
    kernel_metadata,
    Column("family", Text, primary_key=True),
    Column("aggregate_id", Text, primary_key=True),
    Column("version", BigInteger, nullable=False),
)

#: Deleted users and movies: late events that mention them cannot resurrect them.
tombstone_table = Table(
    "tombstone",
    kernel_metadata,
    Column("kind", Text, primary_key=True),
    Column("entity_id", Text, primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("deleted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

#: Source of aggregate versions of the events this service produces.
aggregate_version_seq = Sequence("aggregate_version_seq", metadata=kernel_metadata)


def create_kernel_tables(connection: Connection) -> None:
    """Create the kernel's tables (idempotent); call from a service's first migration."""
    kernel_metadata.create_all(connection)


def drop_kernel_tables(connection: Connection) -> None:
    kernel_metadata.drop_all(connection)
