"""Access-token verification for every service: ``CurrentUser`` and ``AdminUser``.

Public keys come from a JWKS file (``MOVIEREC_JWT_PUBLIC_KEYS``), re-read when it
changes, never fetched over HTTP. A token is accepted only if its header names a known
``kid`` with an allowed asymmetric algorithm matching that key, its signature verifies,
and ``iss``, ``aud``, ``exp``, ``nbf``, ``sub`` and ``typ=access`` all check out.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import jwt
from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPBearer
from jwt import PyJWK

from movierec_common.errors import ForbiddenError, UnauthorizedError

if TYPE_CHECKING:
    from movierec_common.revocation import Revocations

#: Only asymmetric algorithms: a token can never be "signed" with a public key as secret.
ALLOWED_ALGORITHMS: tuple[str, ...] = ("EdDSA", "RS256")
LEEWAY_SECONDS = 5


class InvalidTokenError(Exception):
    """The token cannot be trusted; the message says why (never shown in detail to clients)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's subject and role."""

    user_id: uuid.UUID
    role: str
    claims: dict[str, Any]

    @property
    def issued_at(self) -> float:
        """When the token was issued (epoch seconds; auth issues them to the microsecond)."""
        return float(self.claims["iat"])

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class JWKSKeyring:
    """Public keys by ``kid`` from a JWKS file, reloaded when the file's mtime changes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._mtime: float | None = None
        self._keys: dict[str, PyJWK] = {}

    def _reload(self) -> None:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            self._keys, self._mtime = {}, None
            return
        if mtime == self._mtime:
            return
        data = json.loads(self.path.read_text())
        keys: dict[str, PyJWK] = {}
        for jwk in data.get("keys", []):
            kid, alg = jwk.get("kid"), jwk.get("alg")
            if kid and alg in ALLOWED_ALGORITHMS:
                keys[kid] = PyJWK.from_dict(jwk)
        self._keys, self._mtime = keys, mtime

    def get(self, kid: str) -> PyJWK | None:
        self._reload()
        return self._keys.get(kid)


class TokenVerifier:
    """Verifies access tokens; a token verified once is remembered for a short while.

    A signature check costs more than the rest of a cached read, and clients send the same
    token with every request. A remembered token is trusted until the earlier of its
    ``exp`` and ``remember_seconds`` after it was checked (which bounds how long a key
    removed from the JWKS file keeps being honoured). Ended sessions are checked on every
    request after this (movierec_common.revocation): remembering a signature never
    outlives a revocation.
    """

    def __init__(
        self,
        keyring: JWKSKeyring,
        *,
        issuer: str,
        audience: str,
        remember_seconds: float = 10.0,
        remember_max: int = 10_000,
    ) -> None:
        self.keyring = keyring
        self.issuer = issuer
        self.audience = audience
        self.remember_seconds = remember_seconds
        self.remember_max = remember_max
        self._verified: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    def verify(self, token: str) -> Principal:
        """Return the principal of a valid access token or raise :class:`InvalidTokenError`."""
        remembered = self._verified.get(token)
        if remembered is not None:
            if remembered[0] > time.time():
                return remembered[1]
            del self._verified[token]
        principal = self._verify(token)
        until = min(float(principal.claims["exp"]), time.time() + self.remember_seconds)
        self._verified[token] = (until, principal)
        while len(self._verified) > self.remember_max:
            self._verified.popitem(last=False)
        return principal

    def _verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidTokenError(f"malformed token: {exc}") from exc
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALLOWED_ALGORITHMS:
            raise InvalidTokenError(f"algorithm {alg!r} not allowed")
        if not isinstance(kid, str):
            raise InvalidTokenError("token has no kid")
        key = self.keyring.get(kid)
        if key is None:
            raise InvalidTokenError(f"unknown kid {kid!r}")
        if key.algorithm_name != alg:
            raise InvalidTokenError(f"kid {kid!r} is a {key.algorithm_name} key, token says {alg}")
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "sub", "iss", "aud"], "verify_nbf": True},
            )
        except jwt.PyJWTError as exc:
            raise InvalidTokenError(str(exc)) from exc
        if claims.get("typ") != "access":
            raise InvalidTokenError("not an access token")
        try:
            user_id = uuid.UUID(str(claims["sub"]))
        except ValueError as exc:
            raise InvalidTokenError("sub is not a user id") from exc
        return Principal(user_id=user_id, role=str(claims.get("role", "user")), claims=claims)


def verifier_of(app: FastAPI) -> TokenVerifier:
    """The app's token verifier (made from its settings on first use)."""
    verifier = getattr(app.state, "token_verifier", None)
    if verifier is None:
        settings = app.state.settings
        verifier = TokenVerifier(
            JWKSKeyring(settings.jwt_public_keys),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
        app.state.token_verifier = verifier
    return verifier


class BearerPrincipal(HTTPBearer):
    """The bearer scheme (as documented in OpenAPI) that also verifies the token: one
    dependency instead of two on every authenticated request."""

    # Returns the verified principal where HTTPBearer returns the raw credentials.
    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        return authenticate(request.app, request.headers.get("authorization"))


def authenticate(app: FastAPI, authorization: str | None) -> Principal:
    """The caller named by an ``Authorization`` header: a verified access token of a
    session that has not ended; else :class:`UnauthorizedError` (the bearer dependency and
    the direct routes both ask here)."""
    scheme, _, credentials = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not credentials:
        raise UnauthorizedError("Missing bearer token.")
    try:
        principal = verifier_of(app).verify(credentials.strip())
    except InvalidTokenError as exc:
        raise UnauthorizedError("Invalid or expired token.") from exc
    revocations: Revocations | None = getattr(app.state, "revocations", None)
    if revocations is not None:
        revocations.check(principal.user_id, principal.issued_at)
    return principal


current_principal = BearerPrincipal(
    auto_error=False, description="Access token from POST /auth/login"
)


async def admin_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.is_admin:
        raise ForbiddenError("Administrator role required.")
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]
AdminUser = Annotated[Principal, Depends(admin_principal)]
