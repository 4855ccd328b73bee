"""Kernel tables: outbox, inbox, aggregate versions, tombstones (the first revision of every
service database; frozen DDL)."""

from alembic import op


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE outbox (
            id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_outbox PRIMARY KEY,
            message_id uuid NOT NULL,
            exchange text NOT NULL,
            routing_key text NOT NULL,
            content_type text NOT NULL,
            headers jsonb DEFAULT '{}' NOT NULL,
            properties jsonb DEFAULT '{}' NOT NULL,
            body bytea NOT NULL,
            created_at timestamptz DEFAULT now() NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE TABLE inbox (
            event_id uuid CONSTRAINT pk_inbox PRIMARY KEY,
            event_type text NOT NULL,
            processed_at timestamptz DEFAULT now() NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_inbox_processed_at ON inbox (processed_at)")
    op.execute(
        """
        CREATE TABLE aggregate_version (
            family text NOT NULL,
            aggregate_id text NOT NULL,
            version bigint NOT NULL,
            CONSTRAINT pk_aggregate_version PRIMARY KEY (family, aggregate_id)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE tombstone (
            kind text NOT NULL,
            entity_id text NOT NULL,
            version bigint NOT NULL,
            deleted_at timestamptz DEFAULT now() NOT NULL,
            CONSTRAINT pk_tombstone PRIMARY KEY (kind, entity_id)
        )
        """
    )
    op.execute("CREATE SEQUENCE aggregate_version_seq")


def downgrade() -> None:
    op.execute("DROP TABLE tombstone, aggregate_version, inbox, outbox")
    op.execute("DROP SEQUENCE aggregate_version_seq")


# The revision graph (Alembic reads these).
revision = "0001"
down_revision = None
