"""Tables of the recs service (besides the kernel's): read models built from events, the
trained models, the training state."""

from __future__ import annotations

from sqlalchemy import (
    REAL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Sequence,
    Table,
    Text,
    Uuid,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.sql.elements import conv

from movierec_common.db import new_metadata, required

metadata = new_metadata()
TEXTS = ARRAY(Text)

app_user = Table(
    "app_user",
    metadata,
    required("user_id", Uuid),
    required("favorite_genres", TEXTS, server_default="{}"),
    PrimaryKeyConstraint("user_id", name="app_user_pkey"),
)

#: Every change to a movie takes the next revision: API replicas poll for rows newer than
#: the last one they loaded.
movie_revision = Sequence("movie_revision", metadata=metadata)

movie = Table(
    "movie",
    metadata,
    required("movie_id", Integer, autoincrement=False),
    required("title", Text),
    Column("year", Integer),
    required("genres", TEXTS, server_default="{}"),
    required("actors", TEXTS, server_default="{}"),
    required("directors", TEXTS, server_default="{}"),
    required("tags", TEXTS, server_default="{}"),
    Column("description", Text),
    required("deleted", Boolean, server_default=false()),
    required("revision", BigInteger, server_default=text("nextval('movie_revision')")),
    PrimaryKeyConstraint("movie_id", name="movie_pkey"),
)
Index("ix_movie_revision", movie.c.revision)

#: One row per (user, movie) the user rated or watched: what scoring folds in.
interaction = Table(
    "interaction",
    metadata,
    required("user_id", Uuid),
    required("movie_id", Integer),
    Column("score", REAL),
    Column("rated_at", DateTime(timezone=True)),
    required("watches", Integer, server_default="0"),
    Column("watched_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("user_id", "movie_id", name="interaction_pkey"),
)

#: The watch entries behind interaction.watches (watch.removed names the entry).
watch = Table(
    "watch",
    metadata,
    required("entry_id", Uuid),
    required("user_id", Uuid),
    required("movie_id", Integer),
    PrimaryKeyConstraint("entry_id", name="watch_pkey"),
)
Index("ix_watch_user_id", watch.c.user_id)

#: Movies a user said they are not interested in: never recommended to them again (until
#: they undo it), and movies like them ranked lower. Kept by the recs service itself.
dismissal = Table(
    "dismissal",
    metadata,
    required("user_id", Uuid),
    required("movie_id", Integer),
    required("dismissed_at", DateTime(timezone=True), server_default=func.now()),
    PrimaryKeyConstraint("user_id", "movie_id", name="dismissal_pkey"),
)
# A user's dismissals, newest first (their list).
Index("ix_dismissal_user_dismissed_at", dismissal.c.user_id, dismissal.c.dismissed_at.desc())

#: Trained models, newest serving; a few older ones kept for rollback.
model = Table(
    "model",
    metadata,
    required("version", Text),
    required("trained_at", DateTime(timezone=True)),
    required("algorithm", Text),
    required("manifest", JSONB),
    required("artifact", LargeBinary),
    PrimaryKeyConstraint("version", name="model_pkey"),
)
Index("ix_model_trained_at", model.c.trained_at.desc())

#: Interaction events since the last training (a single row).
training_state = Table(
    "training_state",
    metadata,
    required("id", Integer, autoincrement=False),
    required("events_since", Integer, server_default="0"),
    #: Set while a training task is queued: the consumer queues at most one.
    Column("queued_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("id", name="training_state_pkey"),
    CheckConstraint("id = 1", name=conv("single_row")),
)
