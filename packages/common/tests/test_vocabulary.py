"""Genre vocabulary, demo-data contract and key-pair generator."""

from __future__ import annotations

import json
import stat
import uuid

import pytest

from movierec_common.demo import DEMO_NAMESPACE, demo_email, demo_user_id, resolve_data_dir
from movierec_common.genres import GENRES, NO_GENRES, validate_genres
from movierec_common.keys import ensure_keypair, generate_keypair


def test_genres_are_movielens_genres(shared_data_dir):
    seen: set[str] = set()
    for line in (shared_data_dir / "movies.csv").read_text().splitlines()[1:]:
        seen.update(line.rsplit(",", 1)[1].split("|"))
    assert seen - {NO_GENRES} == set(GENRES)


def test_validate_genres_canonicalises_and_deduplicates():
    assert validate_genres(["comedy", "SCI-FI", "Comedy"]) == ["Comedy", "Sci-Fi"]


def test_unknown_genre_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"unknown genre .Cartoon.; choose from: Action"):
        validate_genres(["Cartoon"])


def test_demo_identities_are_stable():
    assert demo_user_id(1) == uuid.uuid5(DEMO_NAMESPACE, "movielens:1")
    assert demo_user_id(1) == demo_user_id(1)
    assert demo_user_id(1) != demo_user_id(2)
    assert demo_email(42) == "user42@demo.movierec.example"


def test_data_dir_resolution(shared_data_dir, tmp_path):
    assert resolve_data_dir(shared_data_dir) == shared_data_dir
    with pytest.raises(FileNotFoundError, match=r"no movies\.csv"):
        resolve_data_dir(tmp_path)


def test_keypair_generator_writes_private_key_and_matching_jwks(tmp_path):
    private, jwks = tmp_path / "k" / "signing.pem", tmp_path / "k" / "jwks.json"
    assert ensure_keypair(private, jwks) is True
    assert ensure_keypair(private, jwks) is False
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    keys = json.loads(jwks.read_text())["keys"]
    assert len(keys) == 1
    assert keys[0]["alg"] == "EdDSA"
    assert "d" not in keys[0]  # never the private part


def test_rsa_keys_are_supported(tmp_path):
    jwk = generate_keypair(tmp_path / "rsa.pem", tmp_path / "jwks.json", algorithm="RS256")
    assert jwk["kty"] == "RSA"
    assert jwk["alg"] == "RS256"
