"""Recommendation ids, feedback and experiments (frozen DDL)."""

from alembic import op


def upgrade() -> None:
    # 32 bytes from two random UUIDs (PostgreSQL draws them from its strong random source).
    op.execute(
        """
        CREATE TABLE signing_key (
            id integer NOT NULL,
            key bytea NOT NULL,
            CONSTRAINT signing_key_pkey PRIMARY KEY (id),
            CONSTRAINT single_row CHECK (id = 1)
        )
        """
    )
    op.execute(
        "INSERT INTO signing_key (id, key) VALUES (1, decode(replace("
        "gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'))"
    )
    op.execute(
        """
        CREATE TABLE experiment (
            experiment_id serial NOT NULL,
            name text NOT NULL,
            description text DEFAULT '' NOT NULL,
            variants jsonb NOT NULL,
            status text DEFAULT 'draft' NOT NULL,
            created_at timestamptz DEFAULT now() NOT NULL,
            started_at timestamptz,
            stopped_at timestamptz,
            CONSTRAINT experiment_pkey PRIMARY KEY (experiment_id),
            CONSTRAINT experiment_status CHECK (status IN ('draft', 'running', 'stopped'))
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX ix_experiment_name ON experiment (name)")
    op.execute(
        "CREATE UNIQUE INDEX ix_experiment_running ON experiment (status) WHERE status = 'running'"
    )
    op.execute(
        """
        CREATE TABLE exposure (
            experiment_id integer NOT NULL,
            user_id uuid NOT NULL,
            variant smallint NOT NULL,
            exposed_at timestamptz DEFAULT now() NOT NULL,
            CONSTRAINT exposure_pkey PRIMARY KEY (experiment_id, user_id)
        )
        """
    )
    op.execute("CREATE INDEX ix_exposure_user_id ON exposure (user_id)")
    op.execute(
        """
        CREATE TABLE feedback (
            recommendation bytea NOT NULL,
            movie_id integer NOT NULL,
            kind text NOT NULL,
            user_id uuid NOT NULL,
            experiment_id integer,
            variant smallint,
            strategy text NOT NULL,
            score real,
            created_at timestamptz DEFAULT now() NOT NULL,
            CONSTRAINT feedback_pkey PRIMARY KEY (recommendation, movie_id, kind),
            CONSTRAINT feedback_kind
                CHECK (kind IN ('impression', 'click', 'dismiss', 'watch', 'rating'))
        )
        """
    )
    op.execute("CREATE INDEX ix_feedback_user_movie ON feedback (user_id, movie_id, created_at)")
    op.execute("CREATE INDEX ix_feedback_experiment ON feedback (experiment_id, user_id)")


def downgrade() -> None:
    op.execute("DROP TABLE feedback")
    op.execute("DROP TABLE exposure")
    op.execute("DROP TABLE experiment")
    op.execute("DROP TABLE signing_key")


# The revision graph (Alembic reads these).
revision = "0004"
down_revision = "0003"
