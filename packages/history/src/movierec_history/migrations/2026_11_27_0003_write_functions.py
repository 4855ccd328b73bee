"""Recording a watch as one function call (frozen DDL): the request path costs one round
trip. It takes the user's lock (``lock_active_user``, the user-data library's), refuses a
deleted account ('account_deleted') or an unknown movie ('unknown_movie'), inserts the
entry and records its event, built and validated in Python."""

from alembic import op


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION watch_add(
            p_id uuid, p_user uuid, p_movie integer, p_at timestamptz,
            p_exchange text, p_event jsonb
        ) RETURNS text
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            IF NOT lock_active_user(p_user) THEN
                RETURN 'account_deleted';
            END IF;
            IF NOT EXISTS (SELECT FROM known_movie k WHERE k.movie_id = p_movie) THEN
                RETURN 'unknown_movie';
            END IF;
            INSERT INTO watch_entry (id, user_id, movie_id, watched_at)
            VALUES (p_id, p_user, p_movie, p_at);
            PERFORM outbox_record_event(p_exchange, p_event);
            RETURN 'created';
        END
        $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION watch_add(uuid, uuid, integer, timestamptz, text, jsonb)")


# The revision graph (Alembic reads these).
revision = "0003"
down_revision = ("0002", "kernel_0002", "userdata_0002")
