"""Tables of the ratings service (besides the kernel's and the user-data library's)."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import conv

from movierec_common.db import new_metadata, required

metadata = new_metadata()

rating = Table(
    "rating",
    metadata,
    required("user_id", Uuid),
    required("movie_id", Integer),
    required("score", Numeric(2, 1, asdecimal=False)),
    required("rated_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("user_id", "movie_id", name="rating_pkey"),
    CheckConstraint(
        "score >= 0.5 AND score <= 5.0 AND score * 2 = floor(score * 2)", name=conv("score")
    ),
)
Index("ix_rating_user_rated_at", rating.c.user_id, rating.c.rated_at.desc(), rating.c.movie_id)
Index("ix_rating_user_score", rating.c.user_id, rating.c.score.desc(), rating.c.movie_id)
#: A movie's ratings with their scores: the summary's recount reads the index alone.
Index("ix_rating_movie_score", rating.c.movie_id, rating.c.score)

#: Count, sum and histogram of each movie's ratings; histogram[i] counts scores of
#: (i + 1) * 0.5. (Its first migration gave movie_id a serial default; ids come from events.)
rating_summary = Table(
    "rating_summary",
    metadata,
    required("movie_id", Integer),
    required("count", Integer, server_default="0"),
    required("total", Numeric(12, 1, asdecimal=False), server_default="0"),
    required("histogram", ARRAY(Integer), server_default="{0,0,0,0,0,0,0,0,0,0}"),
    PrimaryKeyConstraint("movie_id", name="rating_summary_pkey"),
)

#: Movies whose summary a rating write changed, waiting for the consumer process's recount
#: (movierec_common.sweeps): insert only, no key, so concurrent writes wait for nothing.
summary_recount = Table("summary_recount", metadata, required("movie_id", Integer))
