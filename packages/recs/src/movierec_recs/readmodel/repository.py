"""Queries over the recs read models (every one by primary key or an index)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    REAL,
    DateTime,
    Integer,
    Interval,
    Uuid,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.db import array_rows, as_record, insert_rows
from movierec_common.tables import tombstone_table
from movierec_recs.tables import (
    app_user,
    dismissal,
    exposure,
    feedback,
    interaction,
    model,
    movie,
    movie_revision,
    training_state,
)
from movierec_recs.tables import watch as watch_table


@dataclass(frozen=True)
class Movie:
    """A movie as the recs service knows it (from movie.upserted / movie.deleted)."""

    movie_id: int
    title: str
    year: int | None
    genres: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)
    directors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    deleted: bool = False
    revision: int = 0


@dataclass(frozen=True)
class Interaction:
    """What a user did with a movie: a score (None: watched, not rated) and when."""

    user_id: uuid.UUID
    movie_id: int
    score: float | None
    at: datetime | None


@dataclass(frozen=True)
class StoredModel:
    version: str
    trained_at: datetime
    algorithm: str
    manifest: dict[str, Any]
    artifact: bytes


# -- users -------------------------------------------------------------------------------


async def upsert_user(session: AsyncSession, *, user_id: uuid.UUID, genres: list[str]) -> None:
    insert = pg_insert(app_user).values(user_id=user_id, favorite_genres=genres)
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=[app_user.c.user_id],
            set_={"favorite_genres": insert.excluded.favorite_genres},
        )
    )


async def delete_user(session: AsyncSession, user_id: uuid.UUID) -> None:
    for table in (app_user, interaction, watch_table, dismissal, exposure, feedback):
        await session.execute(delete(table).where(table.c.user_id == user_id))


@dataclass(frozen=True)
class Profile:
    """What scoring needs of a user: favorite genres, (movie_id, score or None for watched
    only) pairs, and the movies they dismissed."""

    favorites: list[str]
    pairs: list[tuple[int, float | None]]
    dismissed: list[int]


async def user_profile(session: AsyncSession, user_id: uuid.UUID) -> Profile:
    genres = await session.execute(
        select(app_user.c.favorite_genres).where(app_user.c.user_id == user_id)
    )
    favorites = genres.scalar_one_or_none() or []
    i = interaction.c
    rows = await session.execute(select(i.movie_id, i.score).where(i.user_id == user_id))
    dismissed = await session.execute(
        select(dismissal.c.movie_id).where(dismissal.c.user_id == user_id)
    )
    return Profile(
        list(favorites), [(r.movie_id, r.score) for r in rows], list(dismissed.scalars())
    )


# -- dismissals ("not interested") -------------------------------------------------------


@dataclass(frozen=True)
class Dismissal:
    movie_id: int
    title: str | None
    dismissed_at: datetime


async def movie_exists(session: AsyncSession, movie_id: int) -> bool:
    m = movie.c
    found = await session.execute(select(m.movie_id).where((m.movie_id == movie_id) & ~m.deleted))
    return found.first() is not None


async def dismiss(
    session: AsyncSession, *, user_id: uuid.UUID, movie_id: int
) -> tuple[Dismissal, bool]:
    """Record the dismissal (again: kept as it was); the stored row, and whether it is new."""
    statement = (
        pg_insert(dismissal)
        .values(user_id=user_id, movie_id=movie_id)
        .on_conflict_do_update(constraint="dismissal_pkey", set_={"movie_id": dismissal.c.movie_id})
        # xmax is 0 on a row this statement inserted (not on one it updated).
        .returning(dismissal.c.movie_id, dismissal.c.dismissed_at, literal_column("xmax = 0"))
    )
    movie_id_, dismissed_at, created = (await session.execute(statement)).one()
    title = await session.execute(select(movie.c.title).where(movie.c.movie_id == movie_id))
    return Dismissal(movie_id_, title.scalar_one_or_none(), dismissed_at), bool(created)


_DISMISS_MANY = insert_rows(
    dismissal, array_rows(user_id=Uuid(), movie_id=Integer())
).on_conflict_do_nothing(constraint="dismissal_pkey")


async def dismiss_many(session: AsyncSession, *, user_id: uuid.UUID, movie_ids: list[int]) -> None:
    """Record dismissals of ``movie_ids`` in one statement (ones there already are kept)."""
    if movie_ids:
        await session.execute(
            _DISMISS_MANY, {"user_id": [user_id] * len(movie_ids), "movie_id": movie_ids}
        )


async def undismiss(session: AsyncSession, *, user_id: uuid.UUID, movie_id: int) -> bool:
    d = dismissal.c
    gone = await session.execute(
        delete(dismissal).where((d.user_id == user_id) & (d.movie_id == movie_id))
    )
    return bool(gone.rowcount)  # type: ignore[attr-defined]


async def dismissals_of(
    session: AsyncSession, *, user_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[Dismissal], int]:
    """A page of the user's dismissals, newest first, with titles; how many in all."""
    d, m = dismissal.c, movie.c
    rows = await session.execute(
        select(d.movie_id, m.title, d.dismissed_at)
        .select_from(dismissal.outerjoin(movie, m.movie_id == d.movie_id))
        .where(d.user_id == user_id)
        .order_by(d.dismissed_at.desc(), d.movie_id)
        .limit(limit)
        .offset(offset)
    )
    total = await session.execute(
        select(func.count()).select_from(dismissal).where(d.user_id == user_id)
    )
    return [as_record(Dismissal, r) for r in rows], int(total.scalar_one())


# -- movies ------------------------------------------------------------------------------


_MOVIE_COLUMNS = ("title", "year", "genres", "actors", "directors", "tags", "description")
# Many movies in one statement: their rows as one JSON array (the list columns are arrays,
# which unnest cannot carry), read back as records. Built once.
_UPSERT_MOVIES = text(
    """
    INSERT INTO movie (movie_id, title, year, genres, actors, directors, tags, description)
    SELECT movie_id, title, year, genres, actors, directors, tags, description
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(
        movie_id integer, title text, year integer, genres text[], actors text[],
        directors text[], tags text[], description text
    )
    ON CONFLICT ON CONSTRAINT movie_pkey DO UPDATE SET
        title = excluded.title, year = excluded.year, genres = excluded.genres,
        actors = excluded.actors, directors = excluded.directors, tags = excluded.tags,
        description = excluded.description, deleted = false,
        revision = nextval('movie_revision')
    """
)


async def upsert_movies(session: AsyncSession, movies: list[Movie]) -> None:
    """Insert or replace ``movies`` (undeleting them) in one statement; of several versions
    of one movie the last wins. Each gets a new revision (the serving catalog follows)."""
    latest = {m.movie_id: m for m in movies}
    rows = [
        {"movie_id": m.movie_id, **{c: getattr(m, c) for c in _MOVIE_COLUMNS}}
        for m in latest.values()
    ]
    await session.execute(_UPSERT_MOVIES, {"rows": orjson.dumps(rows).decode()})


async def delete_movie(session: AsyncSession, movie_id: int) -> None:
    await session.execute(
        update(movie)
        .where(movie.c.movie_id == movie_id)
        .values(deleted=True, revision=movie_revision.next_value())
    )


async def movies_since(session: AsyncSession, revision: int) -> list[Movie]:
    """Every movie changed after ``revision`` (deleted ones included), in revision order."""
    rows = await session.execute(
        select(movie).where(movie.c.revision > revision).order_by(movie.c.revision)
    )
    return [as_record(Movie, r) for r in rows]


# -- interactions ------------------------------------------------------------------------


# The consumer's bulk statements, built once: they run for every batch of events.
_ratings = insert_rows(
    interaction,
    array_rows(user_id=Uuid(), movie_id=Integer(), score=REAL(), rated_at=DateTime(timezone=True)),
)
_SET_RATINGS = _ratings.on_conflict_do_update(
    index_elements=[interaction.c.user_id, interaction.c.movie_id],
    set_={"score": _ratings.excluded.score, "rated_at": _ratings.excluded.rated_at},
)
_ADD_WATCHES = (
    insert_rows(watch_table, array_rows(entry_id=Uuid(), user_id=Uuid(), movie_id=Integer()))
    .on_conflict_do_nothing()
    .returning(watch_table.c.entry_id)
)
_watched = insert_rows(
    interaction,
    array_rows(
        user_id=Uuid(), movie_id=Integer(), watches=Integer(), watched_at=DateTime(timezone=True)
    ),
)
_COUNT_WATCHES = _watched.on_conflict_do_update(
    index_elements=[interaction.c.user_id, interaction.c.movie_id],
    set_={
        "watches": interaction.c.watches + _watched.excluded.watches,
        "watched_at": func.greatest(interaction.c.watched_at, _watched.excluded.watched_at),
    },
)


async def set_ratings(
    session: AsyncSession, ratings: list[tuple[uuid.UUID, int, float, datetime]]
) -> None:
    """Upsert (user_id, movie_id, score, rated_at) rows; a later row for a pair wins."""
    latest = {(u, m): (s, t) for u, m, s, t in ratings}
    await session.execute(
        _SET_RATINGS,
        {
            "user_id": [u for u, _ in latest],
            "movie_id": [m for _, m in latest],
            "score": [v[0] for v in latest.values()],
            "rated_at": [v[1] for v in latest.values()],
        },
    )


async def remove_rating(session: AsyncSession, *, user_id: uuid.UUID, movie_id: int) -> None:
    i = interaction.c
    await session.execute(
        update(interaction)
        .where(i.user_id == user_id, i.movie_id == movie_id)
        .values(score=None, rated_at=None)
    )
    await _drop_empty(session, user_id=user_id, movie_id=movie_id)


async def add_watches(
    session: AsyncSession, watches: list[tuple[uuid.UUID, uuid.UUID, int, datetime]]
) -> set[uuid.UUID]:
    """Record (entry_id, user_id, movie_id, watched_at) entries not seen before; the users
    whose interactions changed."""
    inserted = await session.execute(
        _ADD_WATCHES,
        {
            "entry_id": [w[0] for w in watches],
            "user_id": [w[1] for w in watches],
            "movie_id": [w[2] for w in watches],
        },
    )
    new = set(inserted.scalars())
    counts: dict[tuple[uuid.UUID, int], tuple[int, datetime]] = {}
    for entry, user, movie_id, at in watches:
        if entry in new:
            count, latest = counts.get((user, movie_id), (0, at))
            counts[(user, movie_id)] = (count + 1, max(latest, at))
    if counts:
        await session.execute(
            _COUNT_WATCHES,
            {
                "user_id": [u for u, _ in counts],
                "movie_id": [m for _, m in counts],
                "watches": [c[0] for c in counts.values()],
                "watched_at": [c[1] for c in counts.values()],
            },
        )
    return {user for user, _ in counts}


async def remove_watch(session: AsyncSession, entry_id: uuid.UUID) -> bool:
    removed = await session.execute(
        delete(watch_table)
        .where(watch_table.c.entry_id == entry_id)
        .returning(watch_table.c.user_id, watch_table.c.movie_id)
    )
    row = removed.first()
    if row is None:
        return False
    i = interaction.c
    await session.execute(
        update(interaction)
        .where(i.user_id == row.user_id, i.movie_id == row.movie_id)
        .values(watches=func.greatest(i.watches - 1, 0))
    )
    await _drop_empty(session, user_id=row.user_id, movie_id=row.movie_id)
    return True


async def _drop_empty(session: AsyncSession, *, user_id: uuid.UUID, movie_id: int) -> None:
    i = interaction.c
    await session.execute(
        delete(interaction).where(
            i.user_id == user_id, i.movie_id == movie_id, i.watches == 0, i.score.is_(None)
        )
    )


async def all_interactions(session: AsyncSession) -> list[Interaction]:
    """Every interaction with a movie still in the catalog (for training)."""
    i, m = interaction.c, movie.c
    rows = await session.execute(
        select(i.user_id, i.movie_id, i.score, func.greatest(i.rated_at, i.watched_at).label("at"))
        .select_from(interaction.join(movie, and_(m.movie_id == i.movie_id, m.deleted.is_(False))))
        .order_by(i.user_id, i.movie_id)
    )
    return [as_record(Interaction, r) for r in rows]


# -- training ----------------------------------------------------------------------------


_t = training_state.c
_NEWEST_MODEL = select(func.max(model.c.trained_at)).scalar_subquery()
_OLD_ENOUGH = func.now() - bindparam("min_age", type_=Interval)
_DUE = and_(
    _t.events_since + bindparam("n") >= bindparam("threshold"),
    or_(_t.queued_at.is_(None), _t.queued_at < func.now() - timedelta(hours=1)),
    # A training queued while the newest model is younger than the minimum interval would
    # only be skipped (and the next batch would queue another): wait until it may run.
    or_(_NEWEST_MODEL.is_(None), _OLD_ENOUGH >= _NEWEST_MODEL),
)
_COUNT_FOR_TRAINING = (
    update(training_state)
    .where(_t.id == 1)
    .values(
        events_since=case((_DUE, 0), else_=_t.events_since + bindparam("n")),
        queued_at=case((_DUE, func.now()), else_=_t.queued_at),
    )
    .returning(and_(_t.queued_at.is_not(None), _t.queued_at == func.now()))
)


async def count_events_for_training(
    session: AsyncSession, n: int, threshold: int, min_age: timedelta
) -> bool:
    """Add ``n`` interaction events (one counter row, once per batch). True when a training
    should be queued: ``threshold`` reached, none queued in the last hour and the newest
    model at least ``min_age`` old (the count starts again and the queueing is recorded)."""
    params = {"n": n, "threshold": threshold, "min_age": min_age}
    row = await session.execute(_COUNT_FOR_TRAINING, params)
    return bool(row.scalar_one())


async def training_started(session: AsyncSession) -> None:
    """A training is running: the next threshold may queue another."""
    await session.execute(
        update(training_state).where(training_state.c.id == 1).values(queued_at=None)
    )


async def newest_model_version(session: AsyncSession) -> str | None:
    m = model.c
    row = await session.execute(
        select(m.version).order_by(m.trained_at.desc(), m.version.desc()).limit(1)
    )
    return row.scalar_one_or_none()


async def newest_model_age(session: AsyncSession) -> float | None:
    """Seconds since the newest model was trained (None without a model)."""
    age = func.extract("epoch", func.now() - func.max(model.c.trained_at))
    found = (await session.execute(select(age))).scalar_one_or_none()
    return None if found is None else float(found)


async def load_model(session: AsyncSession, version: str) -> StoredModel | None:
    row = (await session.execute(select(model).where(model.c.version == version))).first()
    return as_record(StoredModel, row) if row is not None else None


async def model_versions(session: AsyncSession) -> list[str]:
    return list((await session.execute(select(model.c.version))).scalars())


async def replace_artifact(session: AsyncSession, version: str, artifact: bytes) -> None:
    await session.execute(update(model).where(model.c.version == version).values(artifact=artifact))


async def users_deleted_since(session: AsyncSession, since: datetime) -> set[str]:
    """Ids of the users whose deletion this service applied since ``since``."""
    t = tombstone_table.c
    query = select(t.entity_id).where(t.kind == "user", t.deleted_at >= since)
    return set((await session.execute(query)).scalars())


async def save_model(session: AsyncSession, stored: StoredModel, *, keep: int) -> None:
    """Store a model version and drop all but the newest ``keep``."""
    m = model.c
    await session.execute(insert(model).values(**asdict(stored)))
    newest = select(m.version).order_by(m.trained_at.desc(), m.version.desc()).limit(keep)
    await session.execute(delete(model).where(m.version.not_in(newest)))
