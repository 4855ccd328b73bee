"""Ended sessions: ``session_revocation`` (frozen DDL)."""

from alembic import op


def upgrade() -> None:
    op.execute("CREATE SEQUENCE session_revocation_seq")
    op.execute(
        """
        CREATE TABLE session_revocation (
            user_id uuid CONSTRAINT pk_session_revocation PRIMARY KEY,
            ended_at timestamptz NOT NULL,
            seq bigint DEFAULT nextval('session_revocation_seq') NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_session_revocation_seq ON session_revocation (seq)")
    op.execute("CREATE INDEX ix_session_revocation_ended_at ON session_revocation (ended_at)")


def downgrade() -> None:
    op.execute("DROP TABLE session_revocation")
    op.execute("DROP SEQUENCE session_revocation_seq")


# The revision graph (Alembic reads these).
revision = "kernel_0003"
down_revision = "kernel_0002"
