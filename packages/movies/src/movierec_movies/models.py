"""Tables of the movies service (created by migrations/versions/*_catalog.py)."""

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

from movierec_common.db import new_metadata

metadata = new_metadata()

#: Movies created through the API take ids from here; MovieLens ids stay below it.
movie_id_seq = Sequence("movie_id_seq", start=10_000_000, metadata=metadata)

movie = Table(
    "movie",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("title", Text, nullable=False),
    Column("year", SmallInteger),
    Column("description", Text),
    Column("runtime_minutes", SmallInteger),
    Column("imdb_id", Text),
    Column("tmdb_id", Integer),
    Column("imdb_rating", Numeric(3, 1)),
    Column("tags", ARRAY(Text), nullable=False, server_default="{}"),
    # Title, people and tags without accents or punctuation: trigram (typo) search.
    Column("search_text", Text, nullable=False, server_default=""),
    Column("search_vector", TSVECTOR, nullable=False, server_default=text("''::tsvector")),
    Column("content_hash", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

genre = Table(
    "genre",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
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
    Column("name", Text, nullable=False),
    Column("name_key", Text, nullable=False, unique=True),
)

movie_person = Table(
    "movie_person",
    metadata,
    Column("movie_id", ForeignKey("movie.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
    Column("role", Text, primary_key=True),
    Column("position", SmallInteger, nullable=False, server_default="0"),
    Index("ix_movie_person_person_id_role", "person_id", "role"),
)

#: Aggregates fed by other services' events; kept apart so they never wait for the catalog.
movie_stats = Table(
    "movie_stats",
    metadata,
    Column("movie_id", Integer, primary_key=True),
    Column("rating_count", Integer, nullable=False, server_default="0"),
    Column("rating_average", Float),
    Column("popularity_raw", Float, nullable=False, server_default="0"),
    Column("watch_count", Integer, nullable=False, server_default="0"),
)

#: Watches counted in popularity, so a watch.removed only subtracts what was added.
counted_watch = Table(
    "counted_watch",
    metadata,
    Column("entry_id", Uuid, primary_key=True),
    Column("movie_id", Integer, nullable=False),
    Column("weight", Float, nullable=False),
)

import_job = Table(
    "import_job",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("status", Text, nullable=False),
    Column("stage", Text, nullable=False, server_default=""),
    Column("done", BigInteger, nullable=False, server_default="0"),
    Column("total", BigInteger, nullable=False, server_default="0"),
    Column("report", JSONB, nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
)
