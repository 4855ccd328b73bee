"""Watch entries (frozen DDL)."""

from alembic import op


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE watch_entry (
            id uuid CONSTRAINT watch_entry_pkey PRIMARY KEY,
            user_id uuid NOT NULL,
            movie_id integer NOT NULL,
            watched_at timestamptz NOT NULL,
            created_at timestamptz DEFAULT now() NOT NULL
        )
        """
    )
    op.execute(
        "CREATE INDEX ix_watch_entry_user_watched_at ON watch_entry (user_id, watched_at DESC, id)"
    )
    op.execute("CREATE INDEX ix_watch_entry_user_movie ON watch_entry (user_id, movie_id)")


def downgrade() -> None:
    op.execute("DROP TABLE watch_entry")


# The revision graph (Alembic reads these).
revision = "0002"
down_revision = "userdata_0001"
