"""Celery tasks of the auth service: the welcome and password reset mails, the purge of
expired refresh tokens, resets and throttle windows. Tasks take ids and open their own runtime."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from celery import Celery

from movierec_auth.account import repository
from movierec_auth.account.service import PURGE_TASK, RESET_TASK, WELCOME_TASK, AccountService
from movierec_auth.config import Settings
from movierec_auth.mailer import create_mailer
from movierec_auth.throttle import purge_ended_windows
from movierec_common import aio
from movierec_common.logging import get_logger
from movierec_common.service import Runtime, ServiceSpec

log = get_logger(__name__)


async def send_welcome(runtime: Runtime[Settings, AccountService], user_id: uuid.UUID) -> None:
    async with runtime.database.transaction() as session:
        user = await repository.get_user(session, user_id)
    if user is None:
        log.info("welcome_skipped_user_gone", user_id=str(user_id))
        return
    create_mailer(runtime.settings).send(
        to=user.email,
        subject="Welcome to movierec",
        body=(
            f"Hello {user.first_name},\n\nyour movierec account is ready. Rate a few movies you"
            " have seen and your recommendations will follow at once.\n"
        ),
    )


async def send_password_reset(
    runtime: Runtime[Settings, AccountService], user_id: uuid.UUID
) -> None:
    """Make a single-use token (only its hash is kept) and mail it; the mail goes after the
    token is stored, so a link that arrives always works."""
    async with runtime.database.transaction() as session:
        issued = await runtime.service.issue_password_reset(session, user_id)
    if issued is None:
        log.info("password_reset_skipped_user_gone", user_id=str(user_id))
        return
    user, token = issued
    minutes = runtime.settings.password_reset_ttl_minutes
    create_mailer(runtime.settings).send(
        to=user.email,
        subject="Reset your movierec password",
        body=(
            f"Hello {user.first_name},\n\nsomeone (we hope you) asked to reset the password of"
            f" your movierec account. This link works once, for {minutes} minutes:\n\n"
            f"{runtime.settings.password_reset_url}{token}\n\n"
            "If it was not you, ignore this mail: your password stays as it is.\n"
        ),
    )


async def purge_expired(runtime: Runtime[Settings, AccountService]) -> int:
    async with runtime.database.transaction() as session:
        now = datetime.now(UTC)
        purged = await repository.purge_refresh_tokens(
            session, now
        ) + await repository.purge_password_resets(session, now)
    return purged + await purge_ended_windows(runtime.database)


def register_tasks(
    celery: Celery, spec: ServiceSpec[Settings, AccountService], settings: Settings
) -> None:
    async def welcome(user_id: uuid.UUID) -> None:
        async with spec.runtime(settings) as runtime:
            await send_welcome(runtime, user_id)

    async def purge() -> int:
        async with spec.runtime(settings) as runtime:
            return await purge_expired(runtime)

    @celery.task(
        name=spec.task_name(WELCOME_TASK),
        shared=False,
        autoretry_for=(OSError,),
        retry_backoff=True,
        max_retries=5,
    )
    def send_welcome_email(user_id: str) -> None:
        aio.run(welcome(uuid.UUID(user_id)))

    async def reset(user_id: uuid.UUID) -> None:
        async with spec.runtime(settings) as runtime:
            await send_password_reset(runtime, user_id)

    @celery.task(
        name=spec.task_name(RESET_TASK),
        shared=False,
        autoretry_for=(OSError,),
        retry_backoff=True,
        max_retries=5,
    )
    def send_password_reset_email(user_id: str) -> None:
        aio.run(reset(uuid.UUID(user_id)))

    @celery.task(name=spec.task_name(PURGE_TASK), shared=False)
    def purge_expired_refresh_tokens() -> int:
        purged = aio.run(purge())
        log.info("refresh_tokens_purged", count=purged)
        return purged


def beat(settings: Settings) -> dict[str, tuple[str, float]]:
    return {"purge-expired-refresh-tokens": (PURGE_TASK, settings.purge_interval_seconds)}
