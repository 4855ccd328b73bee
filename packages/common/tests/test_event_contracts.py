"""The committed JSON Schemas are the published contracts; code may only evolve compatibly."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime

import jsonschema
import orjson
import pytest

from movierec_common.events import (
    CONTRACTS,
    MovieUpserted,
    RatingSet,
    event_bodies,
    make_event,
    new_event_ids,
    parse_event,
)
from movierec_common.events.schema import (
    compatibility_errors,
    generate_schema,
    load_schema,
    schema_path,
)


@pytest.mark.parametrize("event_type", sorted(CONTRACTS))
def test_every_contract_has_a_committed_schema(event_type):
    path = schema_path(CONTRACTS[event_type])
    assert path.is_file(), f"missing {path.name}: run `uv run movierec contracts --write`"


@pytest.mark.parametrize("event_type", sorted(CONTRACTS))
def test_code_is_backward_compatible_with_the_committed_schema(event_type):
    contract = CONTRACTS[event_type]
    errors = compatibility_errors(load_schema(contract), generate_schema(contract))
    assert errors == [], (
        f"{event_type} v{contract.version} changed incompatibly: {errors}. "
        "Publish a new version of the event instead."
    )


@pytest.mark.parametrize("event_type", sorted(CONTRACTS))
def test_committed_schema_is_up_to_date(event_type):
    contract = CONTRACTS[event_type]
    assert load_schema(contract) == generate_schema(contract), (
        "compatible change not yet published: run `uv run movierec contracts --write`"
    )


def _movie_schema():
    return copy.deepcopy(load_schema(CONTRACTS["movie.upserted"]))


def _payload_def(schema):
    return schema["$defs"]["MovieUpserted"]


def test_removed_field_is_a_breaking_change():
    old, new = _movie_schema(), _movie_schema()
    del _payload_def(new)["properties"]["title"]
    assert "payload.title: field removed" in compatibility_errors(old, new)


def test_retyped_field_is_a_breaking_change():
    old, new = _movie_schema(), _movie_schema()
    _payload_def(new)["properties"]["movie_id"] = {"type": "string", "title": "Movie Id"}
    assert "payload.movie_id: type changed" in compatibility_errors(old, new)


def test_retyped_list_items_is_a_breaking_change():
    old, new = _movie_schema(), _movie_schema()
    _payload_def(new)["properties"]["genres"]["items"] = {"type": "integer"}
    assert "payload.genres: type changed" in compatibility_errors(old, new)


def test_newly_required_field_is_a_breaking_change():
    old, new = _movie_schema(), _movie_schema()
    _payload_def(new)["properties"]["country"] = {"type": "string"}
    _payload_def(new)["required"].append("country")
    assert "payload.country: field became required" in compatibility_errors(old, new)


def test_new_optional_field_is_compatible():
    old, new = _movie_schema(), _movie_schema()
    _payload_def(new)["properties"]["country"] = {"type": "string"}
    assert compatibility_errors(old, new) == []


def test_produced_events_validate_against_the_committed_schema():
    event = make_event(
        "movie.upserted",
        MovieUpserted(movie_id=1, title="Toy Story", year=1995, genres=["Comedy"]),
        producer="movies@1.0.0",
        aggregate_version=7,
        correlation_id=str(uuid.uuid4()),
    )
    jsonschema.validate(event.model_dump(mode="json"), load_schema(CONTRACTS["movie.upserted"]))
    assert parse_event(event.to_bytes()) == event
    assert event.aggregate_id == "1"


def test_rating_aggregate_id_is_user_and_movie():
    user = uuid.uuid4()
    event = make_event(
        "rating.set",
        RatingSet(user_id=user, movie_id=5, score=4.5, rated_at=datetime.now(UTC)),
        producer="ratings@1",
        aggregate_version=1,
    )
    assert event.aggregate_id == f"{user}:5"


def test_payload_of_the_wrong_contract_is_refused():
    with pytest.raises(TypeError):
        make_event(
            "movie.deleted", MovieUpserted(movie_id=1, title="x"), producer="p", aggregate_version=1
        )


def test_events_built_in_bulk_are_the_envelopes_make_event_builds():
    # Bulk imports build envelopes without a model per event: byte for byte what
    # make_event(...).to_bytes() gives, but for the id and the time.
    user = uuid.uuid4()
    payloads = [
        ("rating.set", RatingSet(user_id=user, movie_id=5, score=4.5, rated_at=datetime.now(UTC))),
        ("movie.upserted", MovieUpserted(movie_id=1, title="Toy Story", genres=["Comedy"])),
    ]
    built = event_bodies(payloads, [7, 8], producer="ratings@1", correlation_id="req-1")
    for (event_id, body), (event_type, payload), version in zip(
        built, payloads, [7, 8], strict=True
    ):
        event = parse_event(body)
        reference = make_event(
            event_type,
            payload,
            producer="ratings@1",
            aggregate_version=version,
            correlation_id="req-1",
            occurred_at=event.occurred_at,
        )
        assert event.id == event_id
        assert body == reference.to_bytes().replace(
            str(reference.id).encode(), str(event_id).encode()
        )
        jsonschema.validate(orjson.loads(body), load_schema(CONTRACTS[event_type]))
    with pytest.raises(TypeError):
        event_bodies([("rating.set", payloads[1][1])], [1], producer="ratings@1")


def test_event_ids_made_in_bulk_are_distinct_version_4_uuids():
    ids = new_event_ids(1000)
    assert len(set(ids)) == 1000
    assert {i.version for i in ids} == {4}
    assert {i.variant for i in ids} == {uuid.RFC_4122}
