"""The catalog: movies, genres, people, aggregates, import jobs; search indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from alembic import op

from movierec_common.genres import GENRES
from movierec_movies.models import metadata

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    metadata.create_all(op.get_bind())
    op.execute("CREATE INDEX ix_movie_search_vector ON movie USING gin (search_vector)")
    op.execute(
        "CREATE INDEX ix_movie_search_text_trgm ON movie USING gin (search_text gin_trgm_ops)"
    )
    op.execute("CREATE INDEX ix_movie_year_id ON movie (year, id)")
    op.execute("CREATE INDEX ix_movie_title_lower ON movie (lower(title), id)")
    op.execute("CREATE INDEX ix_movie_imdb_rating ON movie (imdb_rating DESC NULLS LAST, id)")
    op.execute("CREATE INDEX ix_person_name_trgm ON person USING gin (name_key gin_trgm_ops)")
    op.execute(
        "CREATE INDEX ix_movie_stats_popularity ON movie_stats (popularity_raw DESC, movie_id)"
    )
    op.execute(
        "CREATE INDEX ix_movie_stats_rating ON movie_stats (rating_average DESC NULLS LAST, movie_id)"
    )
    op.execute("CREATE INDEX ix_counted_watch_movie_id ON counted_watch (movie_id)")
    op.execute("CREATE INDEX ix_import_job_created_at ON import_job (created_at DESC)")
    genre_rows = ", ".join(f"({i}, '{name}')" for i, name in enumerate(GENRES, start=1))
    op.execute(f"INSERT INTO genre (id, name) VALUES {genre_rows}")  # noqa: S608 - constants


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
