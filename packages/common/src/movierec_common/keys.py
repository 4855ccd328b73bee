"""Signing key pairs and JWKS files.

``generate_keypair`` writes an Ed25519 private key (PEM, mode 0600) and a JWKS file with
the matching public key, its ``kid`` being the RFC 7638 thumbprint. Adding a new key to an
existing JWKS (rotation) keeps the old public keys so tokens already issued stay valid.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_b64(n: int) -> str:
    return _b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def public_jwk(public_key: PublicKeyTypes) -> dict[str, Any]:
    """The JWK of a public key, with ``kid`` (RFC 7638 thumbprint), ``alg`` and ``use``."""
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        members = {"crv": "Ed25519", "kty": "OKP", "x": _b64(raw)}
        alg = "EdDSA"
    elif isinstance(public_key, rsa.RSAPublicKey):
        numbers = public_key.public_numbers()
        members = {"e": _int_b64(numbers.e), "kty": "RSA", "n": _int_b64(numbers.n)}
        alg = "RS256"
    else:
        raise TypeError(f"unsupported key type {type(public_key).__name__}")
    thumbprint = hashlib.sha256(
        json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    ).digest()
    return {**members, "kid": _b64(thumbprint), "alg": alg, "use": "sig"}


#: The private keys that sign access tokens.
SigningKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey


def load_private_key(path: Path) -> SigningKey:
    """The signing key in a PEM file (Ed25519 or RSA; anything else is refused)."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey):
        raise TypeError(f"{path}: not an Ed25519 or RSA private key ({type(key).__name__})")
    return key


def signing_algorithm(private_key: PrivateKeyTypes) -> str:
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return "EdDSA"
    if isinstance(private_key, rsa.RSAPrivateKey):
        return "RS256"
    raise TypeError(f"unsupported key type {type(private_key).__name__}")


def generate_keypair(
    private_key_path: Path, jwks_path: Path, *, algorithm: str = "EdDSA", keep_existing: bool = True
) -> dict[str, Any]:
    """Write a new private key and add its public JWK to ``jwks_path``. Returns the JWK."""
    key: PrivateKeyTypes
    if algorithm == "EdDSA":
        key = ed25519.Ed25519PrivateKey.generate()
    elif algorithm == "RS256":
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    else:
        raise ValueError(f"unsupported algorithm {algorithm!r} (EdDSA or RS256)")
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    private_key_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(private_key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    jwk = public_jwk(key.public_key())
    keys: list[dict[str, Any]] = []
    if keep_existing and jwks_path.exists():
        keys = [
            k for k in json.loads(jwks_path.read_text()).get("keys", []) if k["kid"] != jwk["kid"]
        ]
    jwks_path.parent.mkdir(parents=True, exist_ok=True)
    # Newest first: it is the one auth signs with.
    jwks_path.write_text(json.dumps({"keys": [jwk, *keys]}, indent=2) + "\n")
    return jwk


def ensure_keypair(private_key_path: Path, jwks_path: Path) -> bool:
    """Generate a key pair unless both files exist. True when one was generated."""
    if private_key_path.exists() and jwks_path.exists():
        return False
    generate_keypair(private_key_path, jwks_path, keep_existing=False)
    return True
