"""The throttles' counters move from Redis to the database (frozen DDL)."""

from alembic import op


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE throttle_window (
            key text NOT NULL,
            count integer NOT NULL,
            window_ends timestamptz NOT NULL,
            CONSTRAINT throttle_window_pkey PRIMARY KEY (key)
        )
        """
    )
    op.execute("CREATE INDEX ix_throttle_window_window_ends ON throttle_window (window_ends)")


def downgrade() -> None:
    op.execute("DROP TABLE throttle_window")


# The revision graph (Alembic reads these).
revision = "0004"
down_revision = "0003"
