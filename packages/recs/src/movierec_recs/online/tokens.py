"""Recommendation ids: what was served, to whom, signed.

An id carries the page it names (user, time, strategy, experiment and variant, offset,
movie ids) and an HMAC-SHA256 over them with the service's key (the ``signing_key`` row),
so feedback is checked against what was actually served without storing every page on
the serving path. Its MAC (16 bytes) keys the feedback rows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
import uuid
from dataclasses import dataclass

from movierec_recs.models.bundle import STRATEGIES

VERSION = 1
MAC_BYTES = 16
#: version, user, issued at (Unix seconds), experiment (0: none), variant (255: none),
#: strategy (index in STRATEGIES), offset.
_HEADER = struct.Struct(">B16sIIBBH")
_NO_VARIANT = 255


class InvalidRecommendationError(ValueError):
    """Not an id this service issued (malformed, altered or signed with another key)."""


@dataclass(frozen=True)
class Served:
    user_id: uuid.UUID
    issued_at: int
    strategy: str
    experiment_id: int | None
    variant: int | None
    offset: int
    movie_ids: tuple[int, ...]


def issue(key: bytes, served: Served) -> str:
    body = _HEADER.pack(
        VERSION,
        served.user_id.bytes,
        served.issued_at,
        served.experiment_id or 0,
        _NO_VARIANT if served.variant is None else served.variant,
        STRATEGIES.index(served.strategy),
        served.offset,
    ) + struct.pack(f">{len(served.movie_ids)}I", *served.movie_ids)
    mac = hmac.new(key, body, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(body + mac).rstrip(b"=").decode()


def read(key: bytes, token: str) -> tuple[Served, bytes]:
    """The page ``token`` names and its MAC; :class:`InvalidRecommendationError` if the
    service did not issue it."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidRecommendationError("not a recommendation id") from exc
    body, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    extra = len(body) - _HEADER.size
    if extra < 0 or extra % 4 or body[0] != VERSION:
        raise InvalidRecommendationError("not a recommendation id")
    expected = hmac.new(key, body, hashlib.sha256).digest()[:MAC_BYTES]
    if not hmac.compare_digest(mac, expected):
        raise InvalidRecommendationError("not a recommendation id this service issued")
    _, user, issued, experiment, variant, strategy, offset = _HEADER.unpack_from(body)
    if strategy >= len(STRATEGIES):
        raise InvalidRecommendationError("not a recommendation id")
    movies = struct.unpack_from(f">{extra // 4}I", body, _HEADER.size)
    served = Served(
        user_id=uuid.UUID(bytes=user),
        issued_at=issued,
        strategy=STRATEGIES[strategy],
        experiment_id=experiment or None,
        variant=None if variant == _NO_VARIANT else variant,
        offset=offset,
        movie_ids=tuple(movies),
    )
    return served, mac
