"""The catalog: movies, genres, people, aggregates, import jobs; search indexes (frozen DDL).
movie_stats.movie_id got a serial default by accident; ids come from the events."""

from alembic import op


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE SEQUENCE movie_id_seq START WITH 10000000")
    op.execute(
        """
        CREATE TABLE movie (
            id integer CONSTRAINT pk_movie PRIMARY KEY,
            title text NOT NULL,
            year smallint,
            description text,
            runtime_minutes smallint,
            imdb_id text,
            tmdb_id integer,
            imdb_rating numeric(3, 1),
            tags text[] DEFAULT '{}' NOT NULL,
            search_text text DEFAULT '' NOT NULL,
            search_vector tsvector DEFAULT ''::tsvector NOT NULL,
            content_hash text DEFAULT '' NOT NULL,
            created_at timestamptz DEFAULT now() NOT NULL,
            updated_at timestamptz DEFAULT now() NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE TABLE genre (
            id smallserial CONSTRAINT pk_genre PRIMARY KEY,
            name text NOT NULL CONSTRAINT uq_genre_name UNIQUE
        )
        """
    )
    op.execute(
        """
        CREATE TABLE movie_genre (
            movie_id integer NOT NULL
                CONSTRAINT fk_movie_genre_movie_id_movie REFERENCES movie (id) ON DELETE CASCADE,
            genre_id smallint NOT NULL
                CONSTRAINT fk_movie_genre_genre_id_genre REFERENCES genre (id) ON DELETE CASCADE,
            CONSTRAINT pk_movie_genre PRIMARY KEY (movie_id, genre_id)
        )
        """
    )
    op.execute("CREATE INDEX ix_movie_genre_genre_id_movie_id ON movie_genre (genre_id, movie_id)")
    op.execute(
        """
        CREATE TABLE person (
            id serial CONSTRAINT pk_person PRIMARY KEY,
            name text NOT NULL,
            name_key text NOT NULL CONSTRAINT uq_person_name_key UNIQUE
        )
        """
    )
    op.execute(
        """
        CREATE TABLE movie_person (
            movie_id integer NOT NULL
                CONSTRAINT fk_movie_person_movie_id_movie REFERENCES movie (id) ON DELETE CASCADE,
            person_id integer NOT NULL
                CONSTRAINT fk_movie_person_person_id_person REFERENCES person (id) ON DELETE CASCADE,
            role text NOT NULL,
            position smallint DEFAULT '0' NOT NULL,
            CONSTRAINT pk_movie_person PRIMARY KEY (movie_id, person_id, role)
        )
        """
    )
    op.execute("CREATE INDEX ix_movie_person_person_id_role ON movie_person (person_id, role)")
    op.execute(
        """
        CREATE TABLE movie_stats (
            movie_id serial CONSTRAINT pk_movie_stats PRIMARY KEY,
            rating_count integer DEFAULT '0' NOT NULL,
            rating_average double precision,
            popularity_raw double precision DEFAULT '0' NOT NULL,
            watch_count integer DEFAULT '0' NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE TABLE counted_watch (
            entry_id uuid CONSTRAINT pk_counted_watch PRIMARY KEY,
            movie_id integer NOT NULL,
            weight double precision NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE TABLE import_job (
            id uuid CONSTRAINT pk_import_job PRIMARY KEY,
            status text NOT NULL,
            stage text DEFAULT '' NOT NULL,
            done bigint DEFAULT '0' NOT NULL,
            total bigint DEFAULT '0' NOT NULL,
            report jsonb DEFAULT '{}' NOT NULL,
            created_at timestamptz DEFAULT now() NOT NULL,
            finished_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX ix_movie_search_vector ON movie USING gin (search_vector)")
    op.execute(
        "CREATE INDEX ix_movie_search_text_trgm ON movie USING gin (search_text gin_trgm_ops)"
    )
    op.execute("CREATE INDEX ix_movie_year_id ON movie (year, id)")
    op.execute("CREATE INDEX ix_movie_title_lower ON movie (lower(title), id)")
    op.execute("CREATE INDEX ix_movie_imdb_rating ON movie (imdb_rating DESC NULLS LAST, id)")
    op.execute("CREATE INDEX ix_person_name_trgm ON person USING gin (name_key gin_trgm_ops)")
    op.execute(
        "CREATE INDEX ix_movie_stats_popularity ON movie_stats (popularity_raw DESC, movie_id)"
    )
    op.execute(
        "CREATE INDEX ix_movie_stats_rating ON movie_stats (rating_average DESC NULLS LAST, movie_id)"
    )
    op.execute("CREATE INDEX ix_counted_watch_movie_id ON counted_watch (movie_id)")
    op.execute("CREATE INDEX ix_import_job_created_at ON import_job (created_at DESC)")
    # MovieLens' genres, as they were when this revision was written.
    op.execute(
        """
        INSERT INTO genre (id, name) VALUES
            (1, 'Action'), (2, 'Adventure'), (3, 'Animation'), (4, 'Children'), (5, 'Comedy'),
            (6, 'Crime'), (7, 'Documentary'), (8, 'Drama'), (9, 'Fantasy'), (10, 'Film-Noir'),
            (11, 'Horror'), (12, 'IMAX'), (13, 'Musical'), (14, 'Mystery'), (15, 'Romance'),
            (16, 'Sci-Fi'), (17, 'Thriller'), (18, 'War'), (19, 'Western')
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP TABLE import_job, counted_watch, movie_stats, movie_person, person, movie_genre,"
        " genre, movie"
    )
    op.execute("DROP SEQUENCE movie_id_seq")


# The revision graph (Alembic reads these).
revision = "0002"
down_revision = "0001"
