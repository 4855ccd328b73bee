"""Users and refresh tokens (frozen DDL)."""

from alembic import op


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE user_account (
            id uuid CONSTRAINT user_account_pkey PRIMARY KEY,
            email text NOT NULL,
            first_name text NOT NULL,
            last_name text NOT NULL,
            favorite_genres text[] DEFAULT '{}' NOT NULL,
            password_hash text NOT NULL,
            role text DEFAULT 'user' NOT NULL,
            created_at timestamptz DEFAULT now() NOT NULL,
            updated_at timestamptz DEFAULT now() NOT NULL,
            CONSTRAINT role CHECK (role IN ('user', 'admin'))
        )
        """
    )
    # Emails are unique case-insensitively (lookups use lower(email)).
    op.execute("CREATE UNIQUE INDEX uq_user_account_email_lower ON user_account (lower(email))")
    op.execute(
        """
        CREATE TABLE refresh_token (
            id uuid CONSTRAINT refresh_token_pkey PRIMARY KEY,
            token_hash bytea NOT NULL CONSTRAINT refresh_token_token_hash_key UNIQUE,
            user_id uuid NOT NULL CONSTRAINT refresh_token_user_id_fkey
                REFERENCES user_account (id) ON DELETE CASCADE,
            family_id uuid NOT NULL,
            created_at timestamptz DEFAULT now() NOT NULL,
            expires_at timestamptz NOT NULL,
            used_at timestamptz,
            revoked_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX ix_refresh_token_family_id ON refresh_token (family_id)")
    op.execute("CREATE INDEX ix_refresh_token_user_id ON refresh_token (user_id)")
    op.execute("CREATE INDEX ix_refresh_token_expires_at ON refresh_token (expires_at)")


def downgrade() -> None:
    op.execute("DROP TABLE refresh_token, user_account")


# The revision graph (Alembic reads these).
revision = "0002"
down_revision = "0001"
