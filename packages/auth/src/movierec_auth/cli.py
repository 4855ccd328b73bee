"""`movierec-auth`: serve | worker | beat | relay | migrate | create-admin | import-demo-users."""

from __future__ import annotations

import asyncio
import csv
import os
from pathlib import Path

import click
from tqdm import tqdm

from movierec_auth import __version__
from movierec_auth.account.service import AccountService
from movierec_auth.config import get_settings
from movierec_auth.security import password_problem
from movierec_auth.worker import celery_app
from movierec_common.cache import create_redis
from movierec_common.cli import service_cli
from movierec_common.db import Database, oneoff_transaction
from movierec_common.demo import demo_email, demo_user_id, resolve_data_dir
from movierec_common.migrations import locate_migrations

cli = service_cli(
    service="auth",
    version=__version__,
    settings_factory=get_settings,
    app_factory="movierec_auth.app:create_app",
    celery_app=celery_app,
    migrations_dir=locate_migrations(__file__),
)


@cli.command("create-admin", help="Create an administrator (or promote an existing account).")
@click.option("--email", required=True)
@click.option("--first-name", default="Admin", show_default=True)
@click.option("--last-name", default="movierec", show_default=True)
def create_admin(email: str, first_name: str, last_name: str) -> None:
    settings = get_settings()
    if settings.admin_password is not None:
        password = settings.admin_password.get_secret_value()
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if problem := password_problem(password):
        raise click.ClickException(problem)

    async def run() -> tuple[str, bool]:
        redis_client = create_redis(settings.redis_url)
        service = AccountService(settings, redis_client, celery_app)
        try:
            async with oneoff_transaction(settings.resolved_database_url) as session:
                user, created = await service.create_admin(
                    session,
                    email=email,
                    password=password,
                    first_name=first_name,
                    last_name=last_name,
                )
                return str(user.id), created
        finally:
            await redis_client.aclose()

    user_id, created = asyncio.run(run())
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


@cli.command("import-demo-users", help="One account per MovieLens userId in ratings.csv.")
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=None)
@click.option("--batch-size", type=int, default=200, show_default=True)
def import_demo_users(data_dir: Path | None, batch_size: int) -> None:
    settings = get_settings()
    folder = resolve_data_dir(data_dir, os.environ.get("MOVIEREC_DATA"))
    ids = read_movielens_user_ids(folder)

    async def run() -> int:
        redis_client = create_redis(settings.redis_url)
        database = Database(settings.resolved_database_url, pool_size=1)
        service = AccountService(settings, redis_client, celery_app)
        # One hash for every demo account: they share the public demo password anyway.
        password_hash = service.hasher.hash_sync(settings.demo_password)
        created = 0
        try:
            with tqdm(total=len(ids), desc="demo users", unit="user") as bar:
                for start in range(0, len(ids), batch_size):
                    chunk = ids[start : start + batch_size]
                    rows = [
                        {
                            "id": demo_user_id(uid),
                            "email": demo_email(uid),
                            "first_name": "Demo",
                            "last_name": f"User {uid}",
                        }
                        for uid in chunk
                    ]
                    async with database.transaction() as session:
                        created += await service.import_demo_users(session, rows, password_hash)
                    bar.update(len(chunk))
        finally:
            await redis_client.aclose()
            await database.dispose()
        return created

    created = asyncio.run(run())
    click.echo(f"demo users: {created} created, {len(ids) - created} already present")


def main() -> None:
    cli()
