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
    SmallInteger,
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

#: The key recommendation ids are signed with (one row, made by the migration from the
#: server's strong random source): every replica checks ids any other one issued.
signing_key = Table(
    "signing_key",
    metadata,
    required("id", Integer, autoincrement=False),
    required("key", LargeBinary),
    PrimaryKeyConstraint("id", name="signing_key_pkey"),
    CheckConstraint("id = 1", name=conv("single_row")),
)

#: A/B tests of strategies: ``variants`` is a JSON list of {name, strategy, diversity,
#: weight}. At most one runs at a time (a partial unique index says so).
experiment = Table(
    "experiment",
    metadata,
    required("experiment_id", Integer),
    required("name", Text),
    required("description", Text, server_default=""),
    required("variants", JSONB),
    required("status", Text, server_default="draft"),
    required("created_at", DateTime(timezone=True), server_default=func.now()),
    Column("started_at", DateTime(timezone=True)),
    Column("stopped_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("experiment_id", name="experiment_pkey"),
    CheckConstraint("status IN ('draft', 'running', 'stopped')", name=conv("experiment_status")),
)
Index("ix_experiment_name", experiment.c.name, unique=True)
Index(
    "ix_experiment_running",
    experiment.c.status,
    unique=True,
    postgresql_where=experiment.c.status == "running",
)

#: Users who were served by an experiment, with their variant (recorded once per user).
exposure = Table(
    "exposure",
    metadata,
    required("experiment_id", Integer),
    required("user_id", Uuid),
    required("variant", SmallInteger),
    required("exposed_at", DateTime(timezone=True), server_default=func.now()),
    PrimaryKeyConstraint("experiment_id", "user_id", name="exposure_pkey"),
)
Index("ix_exposure_user_id", exposure.c.user_id)

#: What users did with what they were recommended: impressions, clicks and dismissals sent
#: by clients, watches and ratings credited from events (``score`` for ratings). One row
#: per (recommendation, movie, kind): replays change nothing.
feedback = Table(
    "feedback",
    metadata,
    required("recommendation", LargeBinary),
    required("movie_id", Integer),
    required("kind", Text),
    required("user_id", Uuid),
    Column("experiment_id", Integer),
    Column("variant", SmallInteger),
    required("strategy", Text),
    Column("score", REAL),
    required("created_at", DateTime(timezone=True), server_default=func.now()),
    PrimaryKeyConstraint("recommendation", "movie_id", "kind", name="feedback_pkey"),
    CheckConstraint(
        "kind IN ('impression', 'click', 'dismiss', 'watch', 'rating')",
        name=conv("feedback_kind"),
    ),
)
# Attribution: a user's latest impression or click of a movie.
Index("ix_feedback_user_movie", feedback.c.user_id, feedback.c.movie_id, feedback.c.created_at)
# An experiment's results.
Index("ix_feedback_experiment", feedback.c.experiment_id, feedback.c.user_id)

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
