"""Bench cases of the services holding users' data: PUT /ratings and POST /history."""

from __future__ import annotations

import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import jwt

from movierec_common.keys import (
    generate_keypair,
    load_private_key,
    public_jwk,
    signing_algorithm,
)
from movierec_common.settings import CommonSettings
from movierec_tools.bench_core import Bench, Result, bench_run, wait_http
from movierec_tools.bench_movies import run_command, service_env
from movierec_tools.processes import ServiceProcess

USERS = 256
MOVIES = 100


def bench_tokens(keys: Path, count: int) -> list[str]:
    """Access tokens for ``count`` fresh users, signed with the bench's own key."""
    return sign_tokens(keys, [uuid.uuid4() for _ in range(count)])


def sign_tokens(keys: Path, subjects: list[uuid.UUID]) -> list[str]:
    """Access tokens for ``subjects``, signed with a key made for the bench (its JWKS is
    ``keys/jwks.json``)."""
    generate_keypair(keys / "signing.pem", keys / "jwks.json")
    return sign_tokens_with(keys / "signing.pem", subjects)


def sign_tokens_with(private_key: Path, subjects: list[uuid.UUID]) -> list[str]:
    """Access tokens for ``subjects`` signed with an existing key (e.g. the platform's)."""
    private = load_private_key(private_key)
    kid = public_jwk(private.public_key())["kid"]
    now = int(time.time())
    return [
        jwt.encode(
            {
                "sub": str(subject),
                "iss": "movierec-auth",
                "aud": "movierec",
                "iat": now,
                "nbf": now,
                "exp": now + 3600,
                "typ": "access",
                "role": "user",
            },
            private,
            algorithm=signing_algorithm(private),
            headers={"kid": kid},
        )
        for subject in subjects
    ]


async def userdata_cases(bench: Bench, settings: CommonSettings) -> list[Result]:
    run = bench_run(settings)
    results = []
    with tempfile.TemporaryDirectory() as keys_dir:
        tokens = bench_tokens(Path(keys_dir), USERS)
        try:
            for service in ("ratings", "history"):
                url = run.database_url(f"bench_{service}")
                run.databases.append(run.database_name(f"bench_{service}"))
                env = {
                    **service_env(run, service, url),
                    "MOVIEREC_JWT_PUBLIC_KEYS": str(Path(keys_dir) / "jwks.json"),
                }
                await run_command(service, ["migrate"], env)
                conn = await asyncpg.connect(url)
                try:
                    await conn.execute(
                        "INSERT INTO known_movie (movie_id, title)"
                        " SELECT i, 'Movie ' || i FROM generate_series(1, $1) AS i",
                        MOVIES,
                    )
                finally:
                    await conn.close()
                api = await ServiceProcess.api(service, env=env).start()
                try:
                    await wait_http(f"{api.base_url}/readyz")
                    results.append(await _write_case(bench, service, api.base_url, tokens))
                finally:
                    await api.stop()
        finally:
            await run.cleanup()
    return results


async def _write_case(bench: Bench, service: str, base_url: str, tokens: list[str]) -> Result:
    if service == "ratings":
        # Each (user, movie) flips between two scores, so every request is a real change.
        requests = [
            {
                "method": "PUT",
                "path": f"/ratings/{i % USERS % MOVIES + 1}",
                "headers": {
                    "Authorization": f"Bearer {tokens[i % USERS]}",
                    "Content-Type": "application/json",
                },
                "json": {"score": 3.0 if i < USERS else 4.0},
            }
            for i in range(2 * USERS)
        ]
        name = "ratings: PUT /ratings/{movie_id} (write + event, one round trip)"
    else:
        requests = [
            {
                "method": "POST",
                "path": "/history",
                "headers": {
                    "Authorization": f"Bearer {tokens[i % USERS]}",
                    "Content-Type": "application/json",
                },
                "json": {"movie_id": i % MOVIES + 1},
            }
            for i in range(USERS)
        ]
        name = "history: POST /history (write + event, one round trip)"
    result = await bench.http_case(name, base_url, requests)
    result.note = f"statuses {result.extra['statuses']}; one SQL function call per write"
    return result
