"""Watch entries and the known movies.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from movierec_common.known_movies import create_known_movie_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_known_movie_table(op.get_bind())
    op.create_table(
        "watch_entry",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("movie_id", sa.Integer(), nullable=False),
        sa.Column("watched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index(
        "ix_watch_entry_user_watched_at",
        "watch_entry",
        ["user_id", sa.text("watched_at DESC"), "id"],
    )
    op.create_index("ix_watch_entry_user_movie", "watch_entry", ["user_id", "movie_id"])


def downgrade() -> None:
    op.drop_table("watch_entry")
    op.drop_table("known_movie")
