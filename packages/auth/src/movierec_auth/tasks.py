"""Celery tasks of the auth service: the welcome mail, the purge of expired refresh tokens.
Tasks take ids and open their own runtime."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from celery import Celery

from movierec_auth.account import repository
from movierec_auth.account.service import PURGE_TASK, WELCOME_TASK, AccountService
from movierec_auth.config import Settings
from movierec_auth.mailer import create_mailer
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


async def purge_expired(runtime: Runtime[Settings, AccountService]) -> int:
    async with runtime.database.transaction() as session:
        return await repository.purge_refresh_tokens(session, datetime.now(UTC))


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
        asyncio.run(welcome(uuid.UUID(user_id)))

    @celery.task(name=spec.task_name(PURGE_TASK), shared=False)
    def purge_expired_refresh_tokens() -> int:
        purged = asyncio.run(purge())
        log.info("refresh_tokens_purged", count=purged)
        return purged


def beat(settings: Settings) -> dict[str, tuple[str, float]]:
    return {"purge-expired-refresh-tokens": (PURGE_TASK, settings.purge_interval_seconds)}
