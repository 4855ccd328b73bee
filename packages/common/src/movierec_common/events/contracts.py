"""The event contracts: one pydantic payload model per routing key and version.

Every event travels in the same envelope::

    {id, type, version, occurred_at, producer, correlation_id,
     aggregate_id, aggregate_version, payload}

``aggregate_id`` is derived from the payload per family (user.* → user_id, movie.* and
movie.rating_summary → movie_id, watch.* → entry_id, rating.* → "<user_id>:<movie_id>").
``aggregate_version`` comes from the producing service's sequence, so it only grows per
aggregate; consumers keep the last one seen per (family, aggregate_id).

No personal data beyond ids travels in events. Changing a contract in a way that could
break an existing consumer (a removed, retyped or newly required field) fails
``tests/test_event_contracts.py``; such a change needs a new ``version`` instead.
"""

from __future__ import annotations

import builtins
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class Payload(BaseModel):
    """Base of every payload: unknown fields are ignored so producers may add optional ones."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class UserRegistered(Payload):
    user_id: uuid.UUID
    favorite_genres: list[str] = Field(default_factory=list)


class UserUpdated(Payload):
    user_id: uuid.UUID
    favorite_genres: list[str] = Field(default_factory=list)


class UserDeleted(Payload):
    user_id: uuid.UUID


class UserSessionsEnded(Payload):
    """Every session of the user ended at ``ended_at`` (logout, a reused refresh token, a
    password change): access tokens issued before it are refused by every service."""

    user_id: uuid.UUID
    ended_at: datetime


class MovieUpserted(Payload):
    movie_id: int
    title: str
    year: int | None = None
    genres: list[str] = Field(default_factory=list)
    actors: list[str] = Field(default_factory=list)
    directors: list[str] = Field(default_factory=list)
    description: str | None = None
    tags: list[str] = Field(default_factory=list)


class MovieDeleted(Payload):
    movie_id: int


class WatchAdded(Payload):
    entry_id: uuid.UUID
    user_id: uuid.UUID
    movie_id: int
    watched_at: datetime


class WatchRemoved(Payload):
    entry_id: uuid.UUID
    user_id: uuid.UUID
    movie_id: int
    watched_at: datetime


class RatingSet(Payload):
    user_id: uuid.UUID
    movie_id: int
    score: float
    previous_score: float | None = None
    rated_at: datetime


class RatingRemoved(Payload):
    user_id: uuid.UUID
    movie_id: int
    previous_score: float


class MovieRatingSummary(Payload):
    movie_id: int
    count: int
    average: float | None = None


@dataclass(frozen=True)
class Contract:
    """What a routing key carries: its payload model, version and aggregate family."""

    type: str
    version: int
    payload: builtins.type[Payload]  # (the field `type` above shadows the builtin here)
    family: str
    aggregate_key: Callable[[Any], str]
    producer: str
    #: The event deletes its aggregate: consumers leave a tombstone of kind ``family``, so
    #: late events naming the entity (by ``<family>_id``) cannot resurrect it.
    deletes: bool = False


def _user(p: Any) -> str:
    return str(p.user_id)


def _movie(p: Any) -> str:
    return str(p.movie_id)


def _entry(p: Any) -> str:
    return str(p.entry_id)


def _rating(p: Any) -> str:
    return f"{p.user_id}:{p.movie_id}"


CONTRACTS: dict[str, Contract] = {
    c.type: c
    for c in (
        Contract("user.registered", 1, UserRegistered, "user", _user, "auth"),
        Contract("user.updated", 1, UserUpdated, "user", _user, "auth"),
        Contract("user.deleted", 1, UserDeleted, "user", _user, "auth", deletes=True),
        Contract("user.sessions_ended", 1, UserSessionsEnded, "user", _user, "auth"),
        Contract("movie.upserted", 1, MovieUpserted, "movie", _movie, "movies"),
        Contract("movie.deleted", 1, MovieDeleted, "movie", _movie, "movies", deletes=True),
        Contract("watch.added", 1, WatchAdded, "watch", _entry, "history"),
        Contract("watch.removed", 1, WatchRemoved, "watch", _entry, "history"),
        Contract("rating.set", 1, RatingSet, "rating", _rating, "ratings"),
        Contract("rating.removed", 1, RatingRemoved, "rating", _rating, "ratings"),
        Contract(
            "movie.rating_summary", 1, MovieRatingSummary, "movie.rating_summary", _movie, "ratings"
        ),
    )
}


class UnknownEventError(ValueError):
    """An event type or version this code has no contract for."""


def contract_for(event_type: str, version: int | None = None) -> Contract:
    """Return the contract of ``event_type`` (checking ``version`` when given)."""
    contract = CONTRACTS.get(event_type)
    if contract is None:
        raise UnknownEventError(f"unknown event type {event_type!r}")
    if version is not None and version != contract.version:
        raise UnknownEventError(f"unsupported version {version} of {event_type!r}")
    return contract


class Event(BaseModel):
    """The envelope of every domain event."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    # The validated payload, once asked for: a slot, not a pydantic private attribute (each
    # read of one costs ~3 µs, as much as validating the payload; the consumer asks for
    # every event twice).
    __slots__ = ("_validated",)
    if TYPE_CHECKING:
        _validated: Payload

    id: uuid.UUID
    type: str
    version: int
    occurred_at: datetime
    producer: str
    correlation_id: str | None = None
    aggregate_id: str
    aggregate_version: int
    payload: dict[str, Any]

    def __eq__(self, other: object) -> bool:
        # The same event whether or not its payload has been validated yet.
        return isinstance(other, Event) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # (the payload is a dict: not hashable)

    @property
    def family(self) -> str:
        return contract_for(self.type).family

    def data(self) -> Any:
        """The payload validated against this event's contract (validated once: the
        consumer validates on arrival, its handlers ask again)."""
        try:
            # Read through the slot itself: a plain ``self._validated`` that misses falls
            # back to pydantic's ``__getattr__``, which raises a formatted AttributeError
            # of its own (the consumer's first read of every event; parse_event 4.6 → 3.7 µs).
            return _VALIDATED_SLOT.__get__(self)
        except AttributeError:
            data = contract_for(self.type, self.version).payload.model_validate(self.payload)
            object.__setattr__(self, "_validated", data)
            return data

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))


_VALIDATED_SLOT = Event.__dict__["_validated"]


def make_event(
    event_type: str,
    payload: Payload,
    *,
    producer: str,
    aggregate_version: int,
    correlation_id: str | None = None,
    occurred_at: datetime | None = None,
) -> Event:
    """Build a validated envelope for ``payload`` (the payload must match the contract)."""
    contract = contract_for(event_type)
    if not isinstance(payload, contract.payload):
        raise TypeError(f"{event_type} carries {contract.payload.__name__}, not {type(payload)}")
    return Event(
        id=uuid.uuid4(),
        type=event_type,
        version=contract.version,
        occurred_at=occurred_at or datetime.now(UTC),
        producer=producer,
        correlation_id=correlation_id,
        aggregate_id=contract.aggregate_key(payload),
        aggregate_version=aggregate_version,
        payload=payload.model_dump(mode="json"),
    )


_TIMESTAMP = TypeAdapter(datetime)


def new_event_ids(count: int) -> list[uuid.UUID]:
    """``count`` random (version 4) UUIDs from one read of the system's random source
    (``uuid.uuid4()`` reads it once per id: a system call each)."""
    pool = os.urandom(16 * count)
    return [uuid.UUID(bytes=pool[i : i + 16], version=4) for i in range(0, 16 * count, 16)]


def event_bodies(
    events: list[tuple[str, Payload]],
    versions: list[int],
    *,
    producer: str,
    correlation_id: str | None = None,
) -> list[tuple[uuid.UUID, bytes]]:
    """The ids and JSON of many events at once: each as ``make_event(...).to_bytes()``
    (one time for all of them), without building and dumping an envelope model per event
    (about half of a bulk import's time went there). ``versions``: their aggregate versions."""
    occurred_at = _TIMESTAMP.dump_python(datetime.now(UTC), mode="json")
    built = []
    for event_id, (event_type, payload), version in zip(
        new_event_ids(len(events)), events, versions, strict=True
    ):
        contract = contract_for(event_type)
        if not isinstance(payload, contract.payload):
            raise TypeError(
                f"{event_type} carries {contract.payload.__name__}, not {type(payload)}"
            )
        body = {
            "id": str(event_id),
            "type": event_type,
            "version": contract.version,
            "occurred_at": occurred_at,
            "producer": producer,
            "correlation_id": correlation_id,
            "aggregate_id": contract.aggregate_key(payload),
            "aggregate_version": version,
            "payload": payload.model_dump(mode="json"),
        }
        built.append((event_id, orjson.dumps(body)))
    return built


def parse_event(body: bytes) -> Event:
    """Decode and validate an envelope and its payload; raises ValueError when malformed."""
    event = Event.model_validate_json(body)
    event.data()  # validates the payload against the contract
    return event
