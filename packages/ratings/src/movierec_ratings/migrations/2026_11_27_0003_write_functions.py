"""A rating's writes as one function call each (frozen DDL): the request path costs one
round trip, and no per-movie row is touched in it (summaries are the consumer's).

Each function takes the user's lock (``lock_active_user``, the user-data library's), refuses a
deleted account ('account_deleted') and, to set, an unknown movie ('unknown_movie'), writes
the rating and records its event, built in Python, with the previous score filled in."""

from alembic import op


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION rating_set(
            p_user uuid, p_movie integer, p_score numeric, p_at timestamptz,
            p_exchange text, p_event jsonb
        ) RETURNS TABLE (outcome text, stamp timestamptz)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            v_score numeric;
            v_at timestamptz;
        BEGIN
            IF NOT lock_active_user(p_user) THEN
                RETURN QUERY SELECT 'account_deleted', NULL::timestamptz;
                RETURN;
            END IF;
            IF NOT EXISTS (SELECT FROM known_movie k WHERE k.movie_id = p_movie) THEN
                RETURN QUERY SELECT 'unknown_movie', NULL::timestamptz;
                RETURN;
            END IF;
            SELECT r.score, r.rated_at INTO v_score, v_at FROM rating r
            WHERE r.user_id = p_user AND r.movie_id = p_movie FOR UPDATE;
            IF v_score = p_score THEN
                RETURN QUERY SELECT 'unchanged', v_at;
                RETURN;
            END IF;
            INSERT INTO rating AS r (user_id, movie_id, score, rated_at)
            VALUES (p_user, p_movie, p_score, p_at)
            ON CONFLICT ON CONSTRAINT rating_pkey
            DO UPDATE SET score = excluded.score, rated_at = excluded.rated_at;
            PERFORM outbox_record_event(p_exchange, jsonb_set(
                p_event, '{payload,previous_score}', coalesce(to_jsonb(v_score), 'null')));
            RETURN QUERY SELECT CASE WHEN v_score IS NULL THEN 'created' ELSE 'changed' END, p_at;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION rating_remove(
            p_user uuid, p_movie integer, p_exchange text, p_event jsonb
        ) RETURNS text
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            v_score numeric;
        BEGIN
            IF NOT lock_active_user(p_user) THEN
                RETURN 'account_deleted';
            END IF;
            DELETE FROM rating r WHERE r.user_id = p_user AND r.movie_id = p_movie
            RETURNING r.score INTO v_score;
            IF NOT FOUND THEN
                RETURN 'not_found';
            END IF;
            PERFORM outbox_record_event(p_exchange, jsonb_set(
                p_event, '{payload,previous_score}', to_jsonb(v_score)));
            RETURN 'removed';
        END
        $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION rating_remove(uuid, integer, text, jsonb)")
    op.execute("DROP FUNCTION rating_set(uuid, integer, numeric, timestamptz, text, jsonb)")


# The revision graph (Alembic reads these).
revision = "0003"
down_revision = ("0002", "kernel_0002", "userdata_0002")
