"""A watch may carry the client's ``Idempotency-Key`` (frozen DDL): a retried POST /history
with the same key records nothing new and answers with the entry the first one recorded.

``watch_add`` gains the key and whether the client named the time, and returns the
outcome with the entry's id and time ('replayed': the key's entry as it is; 'key_reused':
the key names an entry of another movie or time)."""

from alembic import op


def upgrade() -> None:
    op.execute("ALTER TABLE watch_entry ADD COLUMN idempotency_key text")
    op.execute(
        "CREATE UNIQUE INDEX ux_watch_entry_user_idempotency_key"
        " ON watch_entry (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL"
    )
    op.execute("DROP FUNCTION watch_add(uuid, uuid, integer, timestamptz, text, jsonb)")
    op.execute(
        """
        CREATE FUNCTION watch_add(
            p_id uuid, p_user uuid, p_movie integer, p_at timestamptz, p_at_given boolean,
            p_key text, p_exchange text, p_event jsonb
        ) RETURNS TABLE (outcome text, entry_id uuid, watched_at timestamptz)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            v_id uuid;
            v_movie integer;
            v_at timestamptz;
        BEGIN
            IF NOT lock_active_user(p_user) THEN
                RETURN QUERY SELECT 'account_deleted', NULL::uuid, NULL::timestamptz;
                RETURN;
            END IF;
            IF p_key IS NOT NULL THEN
                -- Under the user's lock: a concurrent retry waits for the first to commit.
                SELECT e.id, e.movie_id, e.watched_at INTO v_id, v_movie, v_at
                FROM watch_entry e WHERE e.user_id = p_user AND e.idempotency_key = p_key;
                IF FOUND THEN
                    IF v_movie <> p_movie OR (p_at_given AND v_at <> p_at) THEN
                        RETURN QUERY SELECT 'key_reused', v_id, v_at;
                    ELSE
                        RETURN QUERY SELECT 'replayed', v_id, v_at;
                    END IF;
                    RETURN;
                END IF;
            END IF;
            IF NOT EXISTS (SELECT FROM known_movie k WHERE k.movie_id = p_movie) THEN
                RETURN QUERY SELECT 'unknown_movie', NULL::uuid, NULL::timestamptz;
                RETURN;
            END IF;
            INSERT INTO watch_entry (id, user_id, movie_id, watched_at, idempotency_key)
            VALUES (p_id, p_user, p_movie, p_at, p_key);
            PERFORM outbox_record_event(p_exchange, p_event);
            RETURN QUERY SELECT 'created', p_id, p_at;
        END
        $$
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION watch_add(uuid, uuid, integer, timestamptz, boolean, text, text, jsonb)"
    )
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
    op.execute("DROP INDEX ux_watch_entry_user_idempotency_key")
    op.execute("ALTER TABLE watch_entry DROP COLUMN idempotency_key")


# The revision graph (Alembic reads these).
revision = "0004"
down_revision = "0003"
