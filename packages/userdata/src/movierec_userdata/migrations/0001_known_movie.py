"""The known movies of a user-data service (after the kernel's tables; frozen DDL)."""

from alembic import op


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE known_movie (
            movie_id integer CONSTRAINT pk_known_movie PRIMARY KEY,
            title text NOT NULL
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE known_movie")


# The revision graph (Alembic reads these).
revision = "userdata_0001"
down_revision = "0001"
