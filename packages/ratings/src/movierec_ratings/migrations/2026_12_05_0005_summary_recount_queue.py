"""Rating writes queue their movie for a summary recount (frozen DDL).

``rating_set`` and ``rating_remove`` now add the movie to ``summary_recount`` (insert only,
no key: concurrent writes of one movie wait for nothing) in their transaction, and the
consumer process takes those rows in batches and recounts (movierec_common.sweeps). The
service no longer consumes its own rating events for that: one delivery less per write.
Every rated movie is queued once here, so the first sweep recounts whatever events of an
earlier version were still on their way."""

from alembic import op

_SET = """
CREATE OR REPLACE FUNCTION rating_set(
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
    INSERT INTO summary_recount (movie_id) VALUES (p_movie);
    PERFORM outbox_record_event(p_exchange, jsonb_set(
        p_event, '{payload,previous_score}', coalesce(to_jsonb(v_score), 'null')));
    RETURN QUERY SELECT CASE WHEN v_score IS NULL THEN 'created' ELSE 'changed' END, p_at;
END
$$
"""

_REMOVE = """
CREATE OR REPLACE FUNCTION rating_remove(
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
    INSERT INTO summary_recount (movie_id) VALUES (p_movie);
    PERFORM outbox_record_event(p_exchange, jsonb_set(
        p_event, '{payload,previous_score}', to_jsonb(v_score)));
    RETURN 'removed';
END
$$
"""


def upgrade() -> None:
    op.execute("CREATE TABLE summary_recount (movie_id integer NOT NULL)")
    op.execute("INSERT INTO summary_recount (movie_id) SELECT DISTINCT movie_id FROM rating")
    op.execute(_SET)
    op.execute(_REMOVE)


def downgrade() -> None:
    # The functions as revision 0003 made them, then the queue goes.
    op.execute(_SET.replace("    INSERT INTO summary_recount (movie_id) VALUES (p_movie);\n", ""))
    op.execute(
        _REMOVE.replace("    INSERT INTO summary_recount (movie_id) VALUES (p_movie);\n", "")
    )
    op.execute("DROP TABLE summary_recount")


# The revision graph (Alembic reads these).
revision = "0005"
down_revision = "0004"
