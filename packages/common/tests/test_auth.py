"""Access tokens: only a well-formed, properly signed, current access token is accepted."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import httpx
import jwt
import pytest
from fastapi import APIRouter

from movierec_common.auth import (
    AdminUser,
    CurrentUser,
    InvalidTokenError,
    JWKSKeyring,
    TokenVerifier,
)
from movierec_common.keys import generate_keypair, load_private_key
from movierec_common.settings import ServiceSettings
from movierec_common.web import create_app

ISS, AUD = "movierec-auth", "movierec"


@pytest.fixture
def keys(tmp_path):
    private, jwks = tmp_path / "signing.pem", tmp_path / "jwks.json"
    jwk = generate_keypair(private, jwks)
    return {"private": load_private_key(private), "jwks": jwks, "kid": jwk["kid"], "jwk": jwk}


@pytest.fixture
def verifier(keys):
    return TokenVerifier(JWKSKeyring(keys["jwks"]), issuer=ISS, audience=AUD)


def _claims(**over):
    now = int(time.time())
    claims = {
        "sub": str(uuid.uuid4()),
        "iss": ISS,
        "aud": AUD,
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "typ": "access",
        "role": "user",
    }
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(keys, claims, *, kid=None, alg="EdDSA"):
    return jwt.encode(claims, keys["private"], algorithm=alg, headers={"kid": kid or keys["kid"]})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(header: dict, claims: dict, secret: bytes | None) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = (
        b"" if secret is None else hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    )
    return f"{signing_input}.{_b64(signature)}"


def test_valid_access_token_is_accepted(keys, verifier):
    claims = _claims(role="admin")
    principal = verifier.verify(_sign(keys, claims))
    assert str(principal.user_id) == claims["sub"]
    assert principal.is_admin


def test_alg_none_is_rejected(keys, verifier):
    token = _forge({"alg": "none", "typ": "JWT", "kid": keys["kid"]}, _claims(), None)
    with pytest.raises(InvalidTokenError, match="not allowed"):
        verifier.verify(token)


def test_hs256_signed_with_the_public_key_is_rejected(keys, verifier):
    public_as_secret = json.dumps(keys["jwk"]).encode()
    for secret in (public_as_secret, base64.urlsafe_b64decode(keys["jwk"]["x"] + "==")):
        token = _forge({"alg": "HS256", "typ": "JWT", "kid": keys["kid"]}, _claims(), secret)
        with pytest.raises(InvalidTokenError):
            verifier.verify(token)


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"iss": "someone-else"}, "(?i)issuer"),
        ({"aud": "other-audience"}, "(?i)audience"),
        ({"exp": int(time.time()) - 60}, "(?i)expired"),
        ({"nbf": int(time.time()) + 600}, "(?i)not yet valid|immature"),
        ({"typ": "refresh"}, "not an access token"),
        ({"sub": None}, "sub"),
    ],
    ids=["wrong-iss", "wrong-aud", "expired", "nbf-in-future", "typ-refresh", "no-sub"],
)
def test_bad_claims_are_rejected(keys, verifier, claims, reason):
    with pytest.raises(InvalidTokenError, match=reason):
        verifier.verify(_sign(keys, _claims(**claims)))


def test_unknown_kid_is_rejected(keys, verifier):
    with pytest.raises(InvalidTokenError, match="unknown kid"):
        verifier.verify(_sign(keys, _claims(), kid="not-a-known-kid"))


def test_token_signed_by_another_key_with_the_same_kid_is_rejected(keys, verifier, tmp_path):
    other = generate_keypair(tmp_path / "other.pem", tmp_path / "other.json")
    assert other["kid"] != keys["kid"]
    token = jwt.encode(
        _claims(),
        load_private_key(tmp_path / "other.pem"),
        algorithm="EdDSA",
        headers={"kid": keys["kid"]},
    )
    with pytest.raises(InvalidTokenError):
        verifier.verify(token)


def test_rotated_keys_keep_old_tokens_valid(keys, verifier, tmp_path):
    old_token = _sign(keys, _claims())
    generate_keypair(tmp_path / "new.pem", keys["jwks"])  # rotation: adds a key, keeps the old
    assert len(json.loads(keys["jwks"].read_text())["keys"]) == 2
    verifier.verify(old_token)


async def test_dependencies_answer_401_and_403(keys):
    settings = ServiceSettings(service="t", jwt_public_keys=keys["jwks"], log_json=False)
    router = APIRouter()

    @router.get("/t/me")
    async def me(user: CurrentUser) -> dict:
        return {"id": str(user.user_id)}

    @router.get("/t/admin")
    async def admin(user: AdminUser) -> dict:
        return {"id": str(user.user_id)}

    app = create_app(settings=settings, title="t", version="1", prefix="t", routers=[router])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        user_token = _sign(keys, _claims())
        forged = _forge({"alg": "none", "kid": keys["kid"]}, _claims(), None)
        assert (await client.get("/t/me")).status_code == 401
        response = await client.get("/t/me", headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        ok = await client.get("/t/me", headers={"Authorization": f"Bearer {user_token}"})
        assert ok.status_code == 200
        denied = await client.get("/t/admin", headers={"Authorization": f"Bearer {user_token}"})
        assert denied.status_code == 403
        admin_token = _sign(keys, _claims(role="admin"))
        allowed = await client.get("/t/admin", headers={"Authorization": f"Bearer {admin_token}"})
        assert allowed.status_code == 200


def test_a_verified_token_is_remembered_until_its_expiry_at_most_briefly(keys, monkeypatch):
    verifier = TokenVerifier(
        JWKSKeyring(keys["jwks"]), issuer=ISS, audience=AUD, remember_seconds=30
    )
    token = _sign(keys, _claims(exp=int(time.time()) + 10))
    first = verifier.verify(token)
    calls = []
    monkeypatch.setattr(verifier, "_verify", lambda t: calls.append(t) or first)
    assert verifier.verify(token) is first and calls == []  # no second signature check
    # Past the token's exp the cached entry is gone and the token is checked again.
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 11)
    verifier.verify(token)
    assert calls == [token]


def test_a_remembered_token_of_a_removed_key_is_honoured_only_briefly(keys, tmp_path, monkeypatch):
    verifier = TokenVerifier(
        JWKSKeyring(keys["jwks"]), issuer=ISS, audience=AUD, remember_seconds=5
    )
    token = _sign(keys, _claims())
    verifier.verify(token)
    keys["jwks"].write_text(json.dumps({"keys": []}))
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 6)
    with pytest.raises(InvalidTokenError):
        verifier.verify(token)
