"""``lock_active_user``: the first step of every write function of a user-data service
(frozen DDL). It takes the user's advisory lock (the purge of a deleted user takes the same
one; the key is ``users.lock_user``'s) and says whether the account is still active (the
consumer left no tombstone for its ``user.deleted``)."""

from alembic import op


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION lock_active_user(p_user uuid) RETURNS boolean
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtextextended('user:' || p_user::text, 0));
            RETURN NOT EXISTS (SELECT FROM tombstone t
                               WHERE t.kind = 'user' AND t.entity_id = p_user::text);
        END
        $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION lock_active_user(uuid)")


# The revision graph (Alembic reads these).
revision = "userdata_0002"
down_revision = "userdata_0001"
