"""Ratings, per-movie summaries and the known movies.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from movierec_common.known_movies import create_known_movie_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_known_movie_table(op.get_bind())
    op.create_table(
        "rating",
        sa.Column("user_id", sa.Uuid(), primary_key=True),
        sa.Column("movie_id", sa.Integer(), primary_key=True),
        sa.Column("score", sa.Numeric(2, 1), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "score >= 0.5 AND score <= 5.0 AND score * 2 = floor(score * 2)", name="score"
        ),
    )
    op.create_index(
        "ix_rating_user_rated_at", "rating", ["user_id", sa.text("rated_at DESC"), "movie_id"]
    )
    op.create_index(
        "ix_rating_user_score", "rating", ["user_id", sa.text("score DESC"), "movie_id"]
    )
    op.create_index("ix_rating_movie_id", "rating", ["movie_id"])
    op.create_table(
        "rating_summary",
        sa.Column("movie_id", sa.Integer(), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("total", sa.Numeric(12, 1), nullable=False, server_default="0"),
        # histogram[i] counts scores of i * 0.5 (i = 1..10).
        sa.Column(
            "histogram",
            postgresql.ARRAY(sa.Integer()),
            nullable=False,
            server_default="{0,0,0,0,0,0,0,0,0,0}",
        ),
    )


def downgrade() -> None:
    op.drop_table("rating_summary")
    op.drop_table("rating")
    op.drop_table("known_movie")
