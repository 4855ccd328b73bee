"""Movies users said they are not interested in (frozen DDL)."""

from alembic import op


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE dismissal (
            user_id uuid NOT NULL,
            movie_id integer NOT NULL,
            dismissed_at timestamptz DEFAULT now() NOT NULL,
            CONSTRAINT dismissal_pkey PRIMARY KEY (user_id, movie_id)
        )
        """
    )
    op.execute(
        "CREATE INDEX ix_dismissal_user_dismissed_at ON dismissal (user_id, dismissed_at DESC)"
    )


def downgrade() -> None:
    op.execute("DROP TABLE dismissal")


# The revision graph (Alembic reads these).
revision = "0003"
down_revision = "0002"
