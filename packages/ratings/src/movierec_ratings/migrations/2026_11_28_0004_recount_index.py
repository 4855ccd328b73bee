"""A movie's ratings with their scores in one index (frozen DDL): the summary's recount is
an index-only scan per movie. It replaces the index of movie ids alone, which it covers."""

from alembic import op


def upgrade() -> None:
    op.execute("CREATE INDEX ix_rating_movie_score ON rating (movie_id, score)")
    op.execute("DROP INDEX ix_rating_movie_id")


def downgrade() -> None:
    op.execute("CREATE INDEX ix_rating_movie_id ON rating (movie_id)")
    op.execute("DROP INDEX ix_rating_movie_score")


# The revision graph (Alembic reads these).
revision = "0004"
down_revision = "0003"
