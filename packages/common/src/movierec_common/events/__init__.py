"""Versioned event contracts (docs/architecture.md, "Events") and their envelope."""

from movierec_common.events.contracts import (
    CONTRACTS,
    Contract,
    Event,
    MovieDeleted,
    MovieRatingSummary,
    MovieUpserted,
    RatingRemoved,
    RatingSet,
    UserDeleted,
    UserRegistered,
    UserUpdated,
    WatchAdded,
    WatchRemoved,
    contract_for,
    make_event,
    parse_event,
)

__all__ = [
    "CONTRACTS",
    "Contract",
    "Event",
    "MovieDeleted",
    "MovieRatingSummary",
    "MovieUpserted",
    "RatingRemoved",
    "RatingSet",
    "UserDeleted",
    "UserRegistered",
    "UserUpdated",
    "WatchAdded",
    "WatchRemoved",
    "contract_for",
    "make_event",
    "parse_event",
]
