"""The operator commands: create-admin and import-demo-users."""

from __future__ import annotations

from sqlalchemy import func, select

from movierec_auth.tables import user_account
from movierec_common.demo import demo_email, demo_user_id
from movierec_testkit import run_console


async def _run(*args: str, env: dict[str, str]) -> tuple[int, str]:
    return await run_console("movierec-auth", *args, env=env)


async def test_create_admin_takes_the_password_from_the_environment(service_env, api):
    email = api.new_email()
    env = {**service_env, "MOVIEREC_AUTH_ADMIN_PASSWORD": "admin password 42"}
    code, out = await _run("create-admin", "--email", email, env=env)
    assert code == 0, out
    assert "created admin" in out
    tokens = (await api.login(email, "admin password 42")).json()
    me = await api.client.get(
        "/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.json()["role"] == "admin"
    code, out = await _run("create-admin", "--email", email, env=env)
    assert code == 0 and "promoted admin" in out


async def test_create_admin_refuses_a_common_password(service_env, api):
    env = {**service_env, "MOVIEREC_AUTH_ADMIN_PASSWORD": "password"}
    code, out = await _run("create-admin", "--email", api.new_email(), env=env)
    assert code != 0
    assert "too common" in out or "at least 8" in out


def _printed_password(out: str) -> str:
    line = next(x for x in out.splitlines() if x.startswith("demo password"))
    return line.rsplit(": ", 1)[1]


async def test_import_demo_users_is_idempotent_and_issues_a_new_password_each_time(
    service_env, app, api, shared_data_dir
):
    """No public password: unless MOVIEREC_DEMO_PASSWORD is given, each import generates
    one, prints it once and gives it to every demo account (the last one printed works)."""
    env = {k: v for k, v in service_env.items() if k != "MOVIEREC_DEMO_PASSWORD"}
    code, out = await _run("import-demo-users", "--data", str(shared_data_dir), env=env)
    assert code == 0, out
    first = _printed_password(out)
    assert len(first) >= 16
    async with app.state.db.transaction() as session:
        u = user_account.c
        demo = select(func.count()).where(u.email.like("%@demo.movierec.example"))
        assert (await session.execute(demo)).scalar_one() == 610
        email = select(u.email).where(u.id == demo_user_id(1))
        assert (await session.execute(email)).scalar_one() == demo_email(1)
    assert (await api.login(demo_email(42), first)).status_code == 200
    code, out = await _run("import-demo-users", "--data", str(shared_data_dir), env=env)
    assert code == 0
    assert "0 created, 610 already present" in out
    second = _printed_password(out)
    assert second != first
    assert (await api.login(demo_email(43), first)).status_code == 401
    assert (await api.login(demo_email(43), second)).status_code == 200
    assert (await api.login(demo_email(42), "movierec-demo")).status_code == 401

    given = {**env, "MOVIEREC_DEMO_PASSWORD": "a given demo password"}
    code, out = await _run("import-demo-users", "--data", str(shared_data_dir), env=given)
    assert code == 0 and "demo password" not in out  # the operator knows it
    assert (await api.login(demo_email(44), "a given demo password")).status_code == 200


async def test_import_demo_users_reports_a_missing_folder(service_env, tmp_path):
    code, out = await _run("import-demo-users", "--data", str(tmp_path), env=service_env)
    assert code != 0
    assert "no movies.csv" in out
