"""Password hashing (argon2id via pwdlib), the common-password list and token minting."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from movierec_auth.config import Settings
from movierec_common.keys import load_private_key, public_jwk, signing_algorithm

#: The most common passwords (zxcvbn's list, most frequent first); we refuse the top 10,000.
COMMON_PASSWORDS: frozenset[str] = frozenset(
    p.lower() for p in FREQUENCY_LISTS["passwords"][:10_000]
)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


#: Words of the service itself, refused in passwords like the user's own (NIST 800-63B:
#: "context-specific words, such as the name of the service, the username").
SERVICE_WORDS = ("movierec",)


def context_words(email: str | None, *names: str | None) -> list[str]:
    """The words a password must not be built from: the email (whole and its local part,
    also split at dots, dashes, underscores and plus signs), the names, the service's."""
    words = list(SERVICE_WORDS)
    if email:
        local = email.lower().split("@", 1)[0]
        words += [email.lower(), local, *re.split(r"[._+-]+", local)]
    words += [n.lower().strip() for n in names if n]
    return [w for w in words if len(w) >= 3]


def password_problem(password: str, *, context: Sequence[str] = ()) -> str | None:
    """Why ``password`` is not acceptable, or None. No composition rules (NIST 800-63B);
    ``context`` (see :func:`context_words`) may not make up half of it or more."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be at most {MAX_PASSWORD_LENGTH} characters."
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS:
        return "This password is too common; choose one that is harder to guess."
    if any(w in lowered and 2 * len(w) >= len(lowered) for w in context):
        return "This password is built from your email, your name or the service's name."
    return None


class PasswordHasher:
    def __init__(self, settings: Settings) -> None:
        self._hash = PasswordHash(
            (
                Argon2Hasher(
                    memory_cost=settings.argon2_memory_kib,
                    time_cost=settings.argon2_time_cost,
                    parallelism=settings.argon2_parallelism,
                ),
            )
        )
        # Verified against when the account does not exist, so timing does not reveal it.
        self._dummy = self._hash.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        # argon2 is CPU-bound by design: keep it off the event loop.
        return await asyncio.to_thread(self._hash.hash, password)

    def hash_sync(self, password: str) -> str:
        return self._hash.hash(password)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        return (
            await asyncio.to_thread(self._hash.verify, password, password_hash or self._dummy)
            and password_hash is not None
        )


@dataclass(frozen=True)
class IssuedRefreshToken:
    token: str
    token_hash: bytes


def new_refresh_token() -> IssuedRefreshToken:
    token = secrets.token_urlsafe(32)
    return IssuedRefreshToken(token=token, token_hash=hash_refresh_token(token))


def hash_refresh_token(token: str) -> bytes:
    """Refresh tokens are 256-bit random values: a fast hash is enough to store them."""
    return hashlib.sha256(token.encode()).digest()


class TokenSigner:
    """Signs access tokens with the key in ``MOVIEREC_AUTH_SIGNING_KEY``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def _key(self):
        path = self.settings.signing_key
        if not path.is_file():
            raise RuntimeError(
                f"signing key {path} not found: generate one with `uv run movierec keygen`"
                " or set MOVIEREC_AUTH_SIGNING_KEY"
            )
        return load_private_key(path)

    @cached_property
    def algorithm(self) -> str:
        return signing_algorithm(self._key)

    @cached_property
    def kid(self) -> str:
        return public_jwk(self._key.public_key())["kid"]

    def access_token(self, user_id: uuid.UUID, role: str) -> str:
        # iat to the microsecond: a token issued just after the user's sessions ended (a
        # new login) must not be taken for one issued before (movierec_common.revocation).
        issued = time.time()
        now = int(issued)
        claims = {
            "iss": self.settings.jwt_issuer,
            "aud": self.settings.jwt_audience,
            "sub": str(user_id),
            "role": role,
            "typ": "access",
            "iat": round(issued, 6),
            "nbf": now,
            "exp": now + self.settings.access_token_ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm=self.algorithm, headers={"kid": self.kid})
