"""Read models built from events (users, movies, interactions), models and training state.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TEXTS = postgresql.ARRAY(sa.Text())


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("user_id", sa.Uuid(), primary_key=True),
        sa.Column("favorite_genres", TEXTS, nullable=False, server_default="{}"),
    )
    # Every change to a movie takes the next revision: API replicas poll for rows newer
    # than the last one they loaded (ix_movie_revision).
    op.execute("CREATE SEQUENCE movie_revision")
    op.create_table(
        "movie",
        sa.Column("movie_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("genres", TEXTS, nullable=False, server_default="{}"),
        sa.Column("actors", TEXTS, nullable=False, server_default="{}"),
        sa.Column("directors", TEXTS, nullable=False, server_default="{}"),
        sa.Column("tags", TEXTS, nullable=False, server_default="{}"),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column(
            "revision",
            sa.BigInteger(),
            nullable=False,
            server_default=sa.text("nextval('movie_revision')"),
        ),
    )
    op.create_index("ix_movie_revision", "movie", ["revision"])
    # One row per (user, movie) the user rated or watched: what scoring folds in.
    op.create_table(
        "interaction",
        sa.Column("user_id", sa.Uuid(), primary_key=True),
        sa.Column("movie_id", sa.Integer(), primary_key=True),
        sa.Column("score", sa.REAL(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("watches", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("watched_at", sa.DateTime(timezone=True), nullable=True),
    )
    # The watch entries behind interaction.watches (watch.removed names the entry).
    op.create_table(
        "watch",
        sa.Column("entry_id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("movie_id", sa.Integer(), nullable=False),
    )
    op.create_index("ix_watch_user_id", "watch", ["user_id"])
    op.create_table(
        "model",
        sa.Column("version", sa.Text(), primary_key=True),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("algorithm", sa.Text(), nullable=False),
        sa.Column("manifest", postgresql.JSONB(), nullable=False),
        sa.Column("artifact", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_model_trained_at", "model", [sa.text("trained_at DESC")])
    # Interaction events since the last training (a single row).
    op.create_table(
        "training_state",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("events_since", sa.Integer(), nullable=False, server_default="0"),
        # Set while a training task is queued: the consumer queues at most one.
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("id = 1", name="single_row"),
    )
    op.execute("INSERT INTO training_state (id) VALUES (1)")


def downgrade() -> None:
    for table in ("training_state", "model", "watch", "interaction", "movie", "app_user"):
        op.drop_table(table)
    op.execute("DROP SEQUENCE movie_revision")
