"""Read models built from events (users, movies, interactions), models and training state
(frozen DDL)."""

from alembic import op


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE app_user (
            user_id uuid CONSTRAINT app_user_pkey PRIMARY KEY,
            favorite_genres text[] DEFAULT '{}' NOT NULL
        )
        """
    )
    # Every change to a movie takes the next revision: API replicas poll for newer rows.
    op.execute("CREATE SEQUENCE movie_revision")
    op.execute(
        """
        CREATE TABLE movie (
            movie_id integer CONSTRAINT movie_pkey PRIMARY KEY,
            title text NOT NULL,
            year integer,
            genres text[] DEFAULT '{}' NOT NULL,
            actors text[] DEFAULT '{}' NOT NULL,
            directors text[] DEFAULT '{}' NOT NULL,
            tags text[] DEFAULT '{}' NOT NULL,
            description text,
            deleted boolean DEFAULT false NOT NULL,
            revision bigint DEFAULT nextval('movie_revision') NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_movie_revision ON movie (revision)")
    op.execute(
        """
        CREATE TABLE interaction (
            user_id uuid NOT NULL,
            movie_id integer NOT NULL,
            score real,
            rated_at timestamptz,
            watches integer DEFAULT '0' NOT NULL,
            watched_at timestamptz,
            CONSTRAINT interaction_pkey PRIMARY KEY (user_id, movie_id)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE watch (
            entry_id uuid CONSTRAINT watch_pkey PRIMARY KEY,
            user_id uuid NOT NULL,
            movie_id integer NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_watch_user_id ON watch (user_id)")
    op.execute(
        """
        CREATE TABLE model (
            version text CONSTRAINT model_pkey PRIMARY KEY,
            trained_at timestamptz NOT NULL,
            algorithm text NOT NULL,
            manifest jsonb NOT NULL,
            artifact bytea NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_model_trained_at ON model (trained_at DESC)")
    op.execute(
        """
        CREATE TABLE training_state (
            id integer CONSTRAINT training_state_pkey PRIMARY KEY,
            events_since integer DEFAULT '0' NOT NULL,
            queued_at timestamptz,
            CONSTRAINT single_row CHECK (id = 1)
        )
        """
    )
    op.execute("INSERT INTO training_state (id) VALUES (1)")


def downgrade() -> None:
    op.execute("DROP TABLE training_state, model, watch, interaction, movie, app_user")
    op.execute("DROP SEQUENCE movie_revision")


# The revision graph (Alembic reads these).
revision = "0002"
down_revision = "0001"
