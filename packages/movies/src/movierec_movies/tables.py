"""Tables of the movies service (besides the kernel's), with their search indexes."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Sequence,
    SmallInteger,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR

from movierec_common.db import new_metadata, required

metadata = new_metadata()

#: Movies created through the API take ids from here; MovieLens ids stay below it.
movie_id_seq = Sequence("movie_id_seq", start=10_000_000, metadata=metadata)

movie = Table(
    "movie",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    required("title", Text),
    Column("year", SmallInteger),
    Column("description", Text),
    Column("runtime_minutes", SmallInteger),
    Column("imdb_id", Text),
    Column("tmdb_id", Integer),
    Column("imdb_rating", Numeric(3, 1, asdecimal=False)),
    required("tags", ARRAY(Text), server_default="{}"),
    # Title, people and tags without accents or punctuation: trigram (typo) search.
    required("search_text", Text, server_default=""),
    required("search_vector", TSVECTOR, server_default=text("''::tsvector")),
    required("content_hash", Text, server_default=""),
    required("created_at", DateTime(timezone=True), server_default=func.now()),
    required("updated_at", DateTime(timezone=True), server_default=func.now()),
)
# Full text (title, people, description, tags) and trigram similarity (typos).
Index("ix_movie_search_vector", movie.c.search_vector, postgresql_using="gin")
Index(
    "ix_movie_search_text_trgm",
    movie.c.search_text,
    postgresql_using="gin",
    postgresql_ops={"search_text": "gin_trgm_ops"},
)
# The sorts: by year, title and IMDb rating.
Index("ix_movie_year_id", movie.c.year, movie.c.id)
Index("ix_movie_title_lower", func.lower(movie.c.title), movie.c.id)
Index("ix_movie_imdb_rating", movie.c.imdb_rating.desc().nulls_last(), movie.c.id)

genre = Table(
    "genre",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    required("name", Text, unique=True),
)

movie_genre = Table(
    "movie_genre",
    metadata,
    Column("movie_id", ForeignKey("movie.id", ondelete="CASCADE"), primary_key=True),
    Column("genre_id", ForeignKey("genre.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_movie_genre_genre_id_movie_id", "genre_id", "movie_id"),
)

person = Table(
    "person",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    required("name", Text),
    required("name_key", Text, unique=True),
)
Index(
    "ix_person_name_trgm",
    person.c.name_key,
    postgresql_using="gin",
    postgresql_ops={"name_key": "gin_trgm_ops"},
)

movie_person = Table(
    "movie_person",
    metadata,
    Column("movie_id", ForeignKey("movie.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
    Column("role", Text, primary_key=True),
    required("position", SmallInteger, server_default="0"),
    Index("ix_movie_person_person_id_role", "person_id", "role"),
)

#: Aggregates fed by other services' events; kept apart so they never wait for the catalog.
#: (Its first migration gave movie_id a serial default; ids come from the events.)
movie_stats = Table(
    "movie_stats",
    metadata,
    Column("movie_id", Integer, primary_key=True),
    required("rating_count", Integer, server_default="0"),
    Column("rating_average", Float),
    required("popularity_raw", Float, server_default="0"),
    required("watch_count", Integer, server_default="0"),
)
Index("ix_movie_stats_popularity", movie_stats.c.popularity_raw.desc(), movie_stats.c.movie_id)
Index(
    "ix_movie_stats_rating",
    movie_stats.c.rating_average.desc().nulls_last(),
    movie_stats.c.movie_id,
)

#: Watches counted in popularity, so a watch.removed only subtracts what was added.
counted_watch = Table(
    "counted_watch",
    metadata,
    Column("entry_id", Uuid, primary_key=True),
    required("movie_id", Integer),
    required("weight", Float),
)
Index("ix_counted_watch_movie_id", counted_watch.c.movie_id)

import_job = Table(
    "import_job",
    metadata,
    Column("id", Uuid, primary_key=True),
    required("status", Text),
    required("stage", Text, server_default=""),
    required("done", BigInteger, server_default="0"),
    required("total", BigInteger, server_default="0"),
    required("report", JSONB, server_default="{}"),
    required("created_at", DateTime(timezone=True), server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
)
Index("ix_import_job_created_at", import_job.c.created_at.desc())
