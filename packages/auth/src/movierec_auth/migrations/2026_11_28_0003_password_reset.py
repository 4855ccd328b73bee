"""Single-use password resets (frozen DDL)."""

from alembic import op


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE password_reset (
            token_hash bytea NOT NULL,
            user_id uuid NOT NULL,
            created_at timestamptz DEFAULT now() NOT NULL,
            expires_at timestamptz NOT NULL,
            used_at timestamptz,
            CONSTRAINT password_reset_pkey PRIMARY KEY (token_hash),
            CONSTRAINT password_reset_user_id_fkey FOREIGN KEY (user_id)
                REFERENCES user_account (id) ON DELETE CASCADE
        )
        """
    )
    op.execute("CREATE INDEX ix_password_reset_user_id ON password_reset (user_id)")
    op.execute("CREATE INDEX ix_password_reset_expires_at ON password_reset (expires_at)")


def downgrade() -> None:
    op.execute("DROP TABLE password_reset")


# The revision graph (Alembic reads these).
revision = "0003"
down_revision = "0002"
