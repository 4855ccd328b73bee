"""Registration, login, tokens and the profile, through the HTTP API."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
import pytest
from sqlalchemy import func, select, text

from movierec_auth import tasks
from movierec_auth.spec import spec
from movierec_auth.tables import refresh_token, user_account
from movierec_testkit import asgi_client, serving


async def _user_count(app) -> int:
    async with app.state.db.transaction() as session:
        return (await session.execute(select(func.count()).select_from(user_account))).scalar_one()


async def _outbox_count(app) -> int:
    async with app.state.db.transaction() as session:
        return (await session.execute(text("SELECT count(*) FROM outbox"))).scalar_one()


async def test_register_returns_the_user_without_any_password(api, client):
    email = api.new_email()
    response = await api.register(email=email)
    assert response.status_code == 201
    body = response.json()
    assert body["email"].lower() == email.lower()
    assert body["favorite_genres"] == ["Sci-Fi", "Drama"]
    assert body["role"] == "user"
    assert not {"password", "password_hash"} & body.keys()
    assert api.password not in response.text


async def test_stored_hash_is_argon2id_with_at_least_19_mib_and_two_passes(api, client, app):
    user = (await api.register()).json()
    async with app.state.db.transaction() as session:
        stored = (
            await session.execute(
                select(user_account.c.password_hash).where(user_account.c.id == user["id"])
            )
        ).scalar_one()
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


async def test_email_taken_in_another_case_is_409_and_changes_nothing(api, client, app):
    email = api.new_email()
    assert (await api.register(email=email)).status_code == 201
    before, outbox = await _user_count(app), await _outbox_count(app)
    response = await api.register(email=email.upper())
    assert response.status_code == 409
    assert response.json()["detail"] == "An account with this email already exists."
    assert (await _user_count(app), await _outbox_count(app)) == (before, outbox)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"password": "short"}, "password", "at least 8 characters"),
        ({"password": "x" * 129}, "password", "at most 128 characters"),
        ({"password": "iloveyou"}, "password", "too common"),
        ({"password": "Password1"}, "password", "too common"),
        ({"email": "ada.lovelace@example.com", "password": "ada.lovelace"}, "password", "email"),
        ({"last_name": "Babbage", "password": "Babbage1842"}, "password", "your name"),
        ({"password": "movierec2026!"}, "password", "service's name"),
        ({"first_name": ""}, "first_name", "at least 1 character"),
        ({"first_name": "   "}, "first_name", "must not be blank"),
        ({"last_name": "x" * 101}, "last_name", "at most 100 characters"),
        ({"favorite_genres": ["Cartoons"]}, "favorite_genres", "unknown genre"),
        ({"role": "admin"}, "role", "Extra inputs are not permitted"),
    ],
    ids=[
        "bad-email",
        "short-password",
        "long-password",
        "common-password",
        "common-password-case",
        "password-from-email",
        "password-from-name",
        "password-from-service",
        "empty-name",
        "blank-name",
        "long-name",
        "unknown-genre",
        "extra-field",
    ],
)
async def test_bad_registration_input_is_422_with_a_field_message(
    api, client, app, overrides, field, message
):
    before = await _user_count(app)
    response = await api.register(**overrides)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert any(e["field"].startswith(field) and message in e["message"] for e in errors), errors
    assert await _user_count(app) == before


async def test_malformed_json_is_422(client, app):
    before = await _user_count(app)
    response = await client.post(
        "/auth/register", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert await _user_count(app) == before


async def test_oversized_body_is_413(api, client, app):
    before = await _user_count(app)
    response = await api.register(first_name="x" * 2_000_000)
    assert response.status_code == 413
    assert await _user_count(app) == before


async def test_login_issues_a_short_lived_access_token_and_an_opaque_refresh_token(
    api, client, settings
):
    user = await api.registered_user()
    header = jwt.get_unverified_header(user["access_token"])
    claims = jwt.decode(user["access_token"], options={"verify_signature": False})
    assert header["alg"] == "EdDSA" and header["kid"]
    assert claims["sub"] == user["id"]
    assert claims["typ"] == "access"
    assert claims["role"] == "user"
    assert (claims["iss"], claims["aud"]) == (settings.jwt_issuer, settings.jwt_audience)
    assert claims["exp"] - int(claims["iat"]) == 900
    assert user["expires_in"] == 900 and user["token_type"] == "bearer"
    assert user["refresh_token"].count(".") == 0  # opaque, not a JWT


async def test_refresh_tokens_are_stored_hashed(api, client, app):
    user = await api.registered_user()
    async with app.state.db.transaction() as session:
        hashes = (await session.execute(select(refresh_token.c.token_hash))).scalars().all()
    assert hashlib.sha256(user["refresh_token"].encode()).digest() in hashes
    assert all(user["refresh_token"].encode() not in h for h in hashes)


async def test_wrong_password_and_unknown_email_are_the_same_401(api, client):
    user = await api.registered_user()
    wrong = await api.login(user["email"], "not the password")
    unknown = await api.login(api.new_email())
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_me_with_the_access_token(api, client):
    user = await api.registered_user()
    response = await client.get("/auth/me", headers=user["headers"])
    assert response.status_code == 200
    assert response.json()["id"] == user["id"]


async def test_refresh_token_used_as_bearer_is_401(api, client):
    user = await api.registered_user()
    response = await client.get(
        "/auth/me", headers={"Authorization": f"Bearer {user['refresh_token']}"}
    )
    assert response.status_code == 401


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def test_forged_tokens_are_401(api, client, settings):
    user = await api.registered_user()
    claims = jwt.decode(user["access_token"], options={"verify_signature": False})
    claims["role"] = "admin"
    kid = jwt.get_unverified_header(user["access_token"])["kid"]
    body = _b64(json.dumps(claims).encode())
    none = f"{_b64(json.dumps({'alg': 'none', 'kid': kid}).encode())}.{body}."
    jwks = settings.jwt_public_keys.read_text()
    head = _b64(json.dumps({"alg": "HS256", "kid": kid}).encode())
    signature = hmac.new(jwks.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    hs256 = f"{head}.{body}.{_b64(signature)}"
    for token in (none, hs256, user["access_token"][:-4] + "AAAA"):
        response = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token


async def test_refresh_rotates_the_pair(api, client):
    user = await api.registered_user()
    response = await client.post("/auth/refresh", json={"refresh_token": user["refresh_token"]})
    assert response.status_code == 200
    pair = response.json()
    assert pair["refresh_token"] != user["refresh_token"]
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 200


async def test_reusing_a_spent_refresh_token_revokes_the_whole_family(api, client):
    user = await api.registered_user()
    first = (
        await client.post("/auth/refresh", json={"refresh_token": user["refresh_token"]})
    ).json()
    reuse = await client.post("/auth/refresh", json={"refresh_token": user["refresh_token"]})
    assert reuse.status_code == 401
    assert "revoked" in reuse.json()["detail"]
    # The legitimate holder's newer token died with the family.
    later = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert later.status_code == 401


async def test_other_sessions_survive_a_family_revocation(api, client):
    user = await api.registered_user()
    other = (await api.login(user["email"])).json()
    await client.post("/auth/refresh", json={"refresh_token": user["refresh_token"]})
    await client.post("/auth/refresh", json={"refresh_token": user["refresh_token"]})
    response = await client.post("/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert response.status_code == 200


async def test_logout_revokes_the_refresh_token(api, client):
    user = await api.registered_user()
    response = await client.post("/auth/logout", json={"refresh_token": user["refresh_token"]})
    assert response.status_code == 204
    refreshed = await client.post("/auth/refresh", json={"refresh_token": user["refresh_token"]})
    assert refreshed.status_code == 401


async def _refused_within_a_second(client, headers: dict[str, str]) -> float:
    """Seconds until GET /auth/me refuses ``headers``' access token (fails after 1 s)."""
    started = time.monotonic()
    while time.monotonic() - started < 1.0:
        response = await client.get("/auth/me", headers=headers)
        if response.status_code == 401:
            assert "ended" in response.json()["detail"]
            return time.monotonic() - started
        assert response.status_code == 200
        await asyncio.sleep(0.02)
    raise AssertionError("the access token still works a second after its session ended")


async def test_logout_ends_the_access_token_too_and_a_new_login_works(api, client):
    user = await api.registered_user()
    assert (await client.get("/auth/me", headers=user["headers"])).status_code == 200
    await client.post("/auth/logout", json={"refresh_token": user["refresh_token"]})
    await _refused_within_a_second(client, user["headers"])
    again = (await api.login(user["email"])).json()
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {again['access_token']}"})
    assert me.status_code == 200


async def test_a_reused_refresh_token_ends_the_access_tokens_already_issued(api, client):
    user = await api.registered_user()
    await client.post("/auth/refresh", json={"refresh_token": user["refresh_token"]})
    await client.post("/auth/refresh", json={"refresh_token": user["refresh_token"]})  # reuse
    await _refused_within_a_second(client, user["headers"])


async def test_ending_sessions_is_announced_to_every_service(api, app, client):
    user = await api.registered_user()
    await client.post("/auth/logout", json={"refresh_token": user["refresh_token"]})
    async with app.state.db.transaction() as session:
        rows = await session.execute(
            text("SELECT body FROM outbox WHERE routing_key = 'user.sessions_ended'")
        )
        payloads = [json.loads(bytes(r[0]))["payload"] for r in rows]
    mine = [p for p in payloads if p["user_id"] == user["id"]]
    assert len(mine) == 1 and set(mine[0]) == {"user_id", "ended_at"}


async def test_unknown_refresh_token_is_401(client):
    response = await client.post("/auth/refresh", json={"refresh_token": "nope"})
    assert response.status_code == 401


async def _refresh_token_where(api, app, change: str, **params) -> str:
    """A new session's refresh token after ``UPDATE refresh_token SET <change>``."""
    user = await api.registered_user()
    async with app.state.db.transaction() as session:
        await session.execute(
            text(f"UPDATE refresh_token SET {change} WHERE user_id = :u"),  # noqa: S608
            {**params, "u": user["id"]},
        )
    return user["refresh_token"]


async def test_expired_refresh_token_is_401(api, client, app):
    token = await _refresh_token_where(api, app, "expires_at = now() - interval '1 second'")
    response = await client.post("/auth/refresh", json={"refresh_token": token})
    assert response.status_code == 401


async def test_a_refresh_token_left_unused_past_the_idle_timeout_is_401(api, client, app):
    """A session nobody used for a week ends, even though the family lives 30 days."""
    idle = app.state.runtime.settings.refresh_idle_timeout_days
    last_used = "created_at = now() - make_interval(days => :d, secs => :s)"
    expired = await _refresh_token_where(api, app, last_used, d=idle, s=1)
    response = await client.post("/auth/refresh", json={"refresh_token": expired})
    assert response.status_code == 401
    # Used within the timeout, each refresh starts the idle time again.
    kept = await _refresh_token_where(api, app, last_used, d=idle - 1, s=0)
    refreshed = await client.post("/auth/refresh", json={"refresh_token": kept})
    assert refreshed.status_code == 200, refreshed.text


async def test_patch_me_changes_names_and_genres(api, client):
    user = await api.registered_user()
    response = await client.patch(
        "/auth/me",
        json={"first_name": "Grace", "favorite_genres": ["comedy", "Film-Noir"]},
        headers=user["headers"],
    )
    assert response.status_code == 200
    assert response.json()["first_name"] == "Grace"
    assert response.json()["last_name"] == "Lovelace"
    assert response.json()["favorite_genres"] == ["Comedy", "Film-Noir"]


async def test_patch_me_rejects_bad_input_and_unknown_fields(api, client):
    user = await api.registered_user()
    for body in ({"first_name": ""}, {"email": "x@example.com"}, {"favorite_genres": ["Nope"]}):
        response = await client.patch("/auth/me", json=body, headers=user["headers"])
        assert response.status_code == 422, body


async def _delete_me(client, user, password: str):
    return await client.request(
        "DELETE", "/auth/me", json={"password": password}, headers=user["headers"]
    )


async def test_delete_me_needs_the_password_again(api, client):
    """A stolen access token alone cannot delete the account."""
    user = await api.registered_user()
    no_body = await client.delete("/auth/me", headers=user["headers"])
    assert no_body.status_code == 422
    wrong = await _delete_me(client, user, "not the password")
    assert wrong.status_code == 403
    assert (await client.get("/auth/me", headers=user["headers"])).status_code == 200


async def test_delete_me_removes_the_account_and_its_tokens(api, client, app):
    user = await api.registered_user()
    assert (await _delete_me(client, user, api.password)).status_code == 204
    assert (await client.get("/auth/me", headers=user["headers"])).status_code == 401
    assert (await api.login(user["email"])).status_code == 401
    refreshed = await client.post("/auth/refresh", json={"refresh_token": user["refresh_token"]})
    assert refreshed.status_code == 401
    async with app.state.db.transaction() as session:
        left = await session.execute(
            select(func.count())
            .select_from(refresh_token)
            .where(refresh_token.c.user_id == user["id"])
        )
        assert left.scalar_one() == 0


async def test_email_can_be_registered_again_after_deletion(api, client):
    user = await api.registered_user()
    await _delete_me(client, user, api.password)
    assert (await api.register(email=user["email"])).status_code == 201


async def test_jwks_endpoint_serves_the_public_keys(client, settings):
    response = await client.get("/auth/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys and all("d" not in k for k in keys)


async def test_eleventh_failed_login_within_the_window_is_429(api, client):
    user = await api.registered_user()
    statuses = [(await api.login(user["email"], "wrong password!")).status_code for _ in range(10)]
    assert statuses == [401] * 10
    blocked = await api.login(user["email"], "wrong password!")
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 900
    # Even the right password waits for the window to end.
    assert (await api.login(user["email"])).status_code == 429


async def test_parallel_wrong_logins_cannot_outrun_the_throttle(api, client):
    """Each attempt takes its place in the window before the password is checked: 40 at
    once on one account get at most the allowed 10 guesses (they all got 401 before)."""
    user = await api.registered_user()
    responses = await asyncio.gather(
        *(api.login(user["email"], "wrong password!") for _ in range(40))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [401] * 10 + [429] * 30
    assert (await api.login(user["email"])).status_code == 429


async def test_nul_characters_in_names_and_logins_are_client_errors(api, client):
    registered = await api.register(first_name="Ada\x00")
    assert registered.status_code == 422, registered.text
    assert (await api.login("ada\x00@example.com", "whatever password")).status_code == 422
    user = await api.registered_user()
    changed = await client.patch("/auth/me", json={"last_name": "L\x00"}, headers=user["headers"])
    assert changed.status_code == 422, changed.text


async def test_token_responses_are_never_stored_by_caches(api, client):
    user = await api.registered_user()
    logged_in = await api.login(user["email"])
    refreshed = await client.post(
        "/auth/refresh", json={"refresh_token": logged_in.json()["refresh_token"]}
    )
    for response in (logged_in, refreshed):
        assert response.status_code == 200, response.text
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Pragma"] == "no-cache"


async def test_a_taken_email_costs_the_same_hashing_as_a_new_one(api, app, monkeypatch):
    """Timing must not tell which emails have accounts: a 409 does the argon2 work too."""
    email = api.new_email()
    assert (await api.register(email=email)).status_code == 201
    hasher = app.state.service.hasher
    hashed: list[str] = []
    real = hasher.hash

    async def counting(password: str) -> str:
        hashed.append(password)
        return await real(password)

    monkeypatch.setattr(hasher, "hash", counting)
    assert (await api.register(email=email)).status_code == 409
    assert (await api.register()).status_code == 201
    assert len(hashed) == 2


async def test_throttling_is_per_account(api, client):
    user, other = await api.registered_user(), await api.registered_user()
    for _ in range(11):
        await api.login(user["email"], "wrong password!")
    assert (await api.login(other["email"])).status_code == 200


async def test_logins_and_their_throttle_work_without_redis(settings, tcp_proxy, api_for):
    """Redis holds caches only: while it is down, logins work and guessing is still
    stopped (the throttle counts in PostgreSQL)."""
    proxy = tcp_proxy(settings.redis_url, 6379)
    settings = settings.model_copy(update={"redis_url": proxy.url(settings.redis_url)})
    async with serving(spec, settings) as application, asgi_client(application) as c:
        api = api_for(c)
        user, target = await api.registered_user(), await api.registered_user()
        proxy.cut()
        assert (await api.login(user["email"])).status_code == 200
        assert (await c.get("/auth/me", headers=user["headers"])).status_code == 200
        answers = [
            (await api.login(target["email"], "wrong password!")).status_code for _ in range(11)
        ]
        assert answers == [401] * 10 + [429]
        refused = await api.login(target["email"])  # the right password, too late
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= settings.login_window_seconds
        proxy.restore()


async def test_expired_access_token_is_401(api, client, settings):
    user = await api.registered_user()
    signer = client._transport.app.state.service.signer
    claims = jwt.decode(user["access_token"], options={"verify_signature": False})
    claims["exp"] = int(time.time()) - 30
    token = jwt.encode(claims, signer._key, algorithm="EdDSA", headers={"kid": signer.kid})
    assert (
        await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 401


async def test_a_password_change_ends_every_session_and_keeps_this_one(api, client):
    user = await api.registered_user()
    other_device = (await api.login(user["email"])).json()
    new = "Quartz-Harbor-Violet-77"
    wrong = {"current_password": "not it", "new_password": new}
    response = await client.post("/auth/me/password", json=wrong, headers=user["headers"])
    assert response.status_code == 403
    weak = {"current_password": api.password, "new_password": "password123"}
    response = await client.post("/auth/me/password", json=weak, headers=user["headers"])
    assert response.status_code == 422
    body = {"current_password": api.password, "new_password": new}
    response = await client.post("/auth/me/password", json=body, headers=user["headers"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    pair = response.json()
    # Every earlier session is over: access tokens (within a poll) and refresh tokens.
    await _refused_within_a_second(client, user["headers"])
    for old in (user, other_device):
        stale = await client.post("/auth/refresh", json={"refresh_token": old["refresh_token"]})
        assert stale.status_code == 401
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 200
    assert (await api.login(user["email"], api.password)).status_code == 401
    assert (await api.login(user["email"], new)).status_code == 200


_RESET_TASKS = text("SELECT body FROM outbox WHERE headers ->> 'task' = :task")


def _reset_task_name() -> str:
    return spec.task_name("send_password_reset_email")


async def _mailed_token(app, settings, user_id: str) -> str:
    """Run the reset task the outbox holds for ``user_id`` as the worker would, and return
    the token from the mail (the log mailer keeps what it sent)."""

    sent: list[dict[str, str]] = []

    class Catch:
        def send(self, *, to: str, subject: str, body: str) -> None:
            sent.append({"to": to, "subject": subject, "body": body})

    original = tasks.create_mailer
    tasks.create_mailer = lambda _settings: Catch()  # type: ignore[assignment]
    try:
        await tasks.send_password_reset(app.state.runtime, uuid.UUID(user_id))
    finally:
        tasks.create_mailer = original
    assert len(sent) == 1 and "reset" in sent[0]["subject"].lower()
    return sent[0]["body"].split(settings.password_reset_url, 1)[1].split()[0]


async def test_a_password_reset_is_mailed_through_the_outbox_and_works_once(
    api, client, app, settings
):
    user = await api.registered_user()
    unknown = await client.post("/auth/password-reset", json={"email": api.new_email()})
    known = await client.post("/auth/password-reset", json={"email": user["email"]})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()  # nothing tells whether the account exists
    async with app.state.db.transaction() as session:
        queued = await session.execute(_RESET_TASKS, {"task": _reset_task_name()})
        bodies = [json.loads(bytes(r[0])) for r in queued]
    assert [user["id"]] in [b[0] for b in bodies]
    assert not any(user["email"] in json.dumps(b) for b in bodies)  # ids only, no token

    token = await _mailed_token(app, settings, user["id"])
    new = "Cobalt-Meadow-Tiger-19"
    weak = await client.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": "password123"}
    )
    assert weak.status_code == 422  # and the token is still good:
    done = await client.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": new}
    )
    assert done.status_code == 204
    again = await client.post(
        "/auth/password-reset/confirm", json={"token": token, "new_password": new + "x"}
    )
    assert again.status_code == 400
    await _refused_within_a_second(client, user["headers"])
    assert (await api.login(user["email"], new)).status_code == 200


async def test_password_reset_requests_are_throttled_per_address_silently(api, client, app):
    user = await api.registered_user()
    for _ in range(5):
        answer = await client.post("/auth/password-reset", json={"email": user["email"]})
        assert answer.status_code == 202
    async with app.state.db.transaction() as session:
        queued = await session.execute(_RESET_TASKS, {"task": _reset_task_name()})
        mine = [b for b in (json.loads(bytes(r[0])) for r in queued) if b[0] == [user["id"]]]
        assert len(mine) == 3  # password_reset_max_per_hour


async def test_credential_requests_are_limited_per_client_address(settings):
    """Past the limit an address gets 429 whatever the account (the machine itself is
    exempt by default: tests, `movierec up` and benchmarks run there)."""
    limited = settings.model_copy(
        update={
            "rate_limit_exempt": [],
            "requests_per_address_per_minute": 3,
            "namespace": f"{settings.namespace}-per-address",
        }
    )
    async with serving(spec, limited) as app, asgi_client(app) as client:
        codes = []
        for i in range(5):
            form = {"username": f"nobody{i}@example.com", "password": "wrong password"}
            codes.append((await client.post("/auth/login", data=form)).status_code)
        reset = await client.post("/auth/password-reset", json={"email": "a@example.com"})
    assert codes == [401, 401, 401, 429, 429]
    assert reset.status_code == 429 and int(reset.headers["retry-after"]) <= 60
