"""Ratings and per-movie summaries (frozen DDL). rating_summary.movie_id got a serial default
by accident; ids come from the events, so nothing draws from it."""

from alembic import op


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE rating (
            user_id uuid NOT NULL,
            movie_id integer NOT NULL,
            score numeric(2, 1) NOT NULL,
            rated_at timestamptz NOT NULL,
            CONSTRAINT rating_pkey PRIMARY KEY (user_id, movie_id),
            CONSTRAINT score CHECK (score >= 0.5 AND score <= 5.0 AND score * 2 = floor(score * 2))
        )
        """
    )
    op.execute("CREATE INDEX ix_rating_user_rated_at ON rating (user_id, rated_at DESC, movie_id)")
    op.execute("CREATE INDEX ix_rating_user_score ON rating (user_id, score DESC, movie_id)")
    op.execute("CREATE INDEX ix_rating_movie_id ON rating (movie_id)")
    op.execute(
        """
        CREATE TABLE rating_summary (
            movie_id serial CONSTRAINT rating_summary_pkey PRIMARY KEY,
            count integer DEFAULT '0' NOT NULL,
            total numeric(12, 1) DEFAULT '0' NOT NULL,
            histogram integer[] DEFAULT '{0,0,0,0,0,0,0,0,0,0}' NOT NULL
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE rating_summary, rating")


# The revision graph (Alembic reads these).
revision = "0002"
down_revision = "userdata_0001"
