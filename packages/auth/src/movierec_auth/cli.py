"""The auth service's own commands: create-admin, import-demo-users."""

from __future__ import annotations

import csv
import os
import secrets
from pathlib import Path

import click
from tqdm import tqdm

from movierec_auth.account.service import AccountService
from movierec_auth.config import Settings
from movierec_auth.security import context_words, password_problem
from movierec_common import aio
from movierec_common.demo import resolve_data_dir
from movierec_common.service import ServiceSpec, pass_spec

AuthSpec = ServiceSpec[Settings, AccountService]


@click.command("create-admin", help="Create an administrator (or promote an existing account).")
@click.option("--email", required=True)
@click.option("--first-name", default="Admin", show_default=True)
@click.option("--last-name", default="movierec", show_default=True)
@pass_spec
def create_admin(spec: AuthSpec, email: str, first_name: str, last_name: str) -> None:
    settings = spec.load_settings()
    if settings.admin_password is not None:
        password = settings.admin_password.get_secret_value()
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if problem := password_problem(password, context=context_words(email, first_name, last_name)):
        raise click.ClickException(problem)

    async def run() -> tuple[str, bool]:
        async with spec.runtime(settings) as runtime, runtime.database.transaction() as session:
            user, created = await runtime.service.create_admin(
                session, email=email, password=password, first_name=first_name, last_name=last_name
            )
            return str(user.id), created

    user_id, created = aio.run(run())
    click.echo(f"{'created' if created else 'promoted'} admin {email} ({user_id})")


def read_movielens_user_ids(data_dir: Path) -> list[int]:
    """Distinct userIds of ratings.csv, in ascending order."""
    path = data_dir / "ratings.csv"
    if not path.is_file():
        raise click.ClickException(f"{path} not found: demo users come from ratings.csv")
    ids: set[int] = set()
    with path.open(newline="") as fh:
        for line_no, row in enumerate(csv.DictReader(fh), start=2):
            try:
                ids.add(int(row["userId"]))
            except (KeyError, TypeError, ValueError):
                click.echo(f"{path}:{line_no}: skipped, bad userId {row.get('userId')!r}", err=True)
    return sorted(ids)


@click.command(
    "import-demo-users",
    help="One account per MovieLens userId in ratings.csv, all with one password:"
    " MOVIEREC_DEMO_PASSWORD, else a generated one printed once (never stored). Every run"
    " gives the existing demo accounts that password too.",
)
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=None)
@click.option("--batch-size", type=int, default=200, show_default=True)
@pass_spec
def import_demo_users(spec: AuthSpec, data_dir: Path | None, batch_size: int) -> None:
    try:
        folder = resolve_data_dir(data_dir, os.environ.get("MOVIEREC_DATA"))
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    ids = read_movielens_user_ids(folder)
    settings = spec.load_settings(db_pool_size=1)
    given = settings.demo_password
    password = given.get_secret_value() if given else secrets.token_urlsafe(12)

    async def run() -> int:
        created = 0
        async with spec.runtime(settings) as runtime:
            accounts = runtime.service
            # One hash for every demo account: they share the demo password.
            password_hash = accounts.hasher.hash_sync(password)
            with tqdm(total=len(ids), desc="demo users", unit="user") as bar:
                for start in range(0, len(ids), batch_size):
                    chunk = ids[start : start + batch_size]
                    async with runtime.database.transaction() as session:
                        created += await accounts.import_demo_users(
                            session, movielens_ids=chunk, password_hash=password_hash
                        )
                    bar.update(len(chunk))
        return created

    created = aio.run(run())
    click.echo(f"demo users: {created} created, {len(ids) - created} already present")
    if given is None:
        click.echo(f"demo password (printed once, not stored): {password}")
