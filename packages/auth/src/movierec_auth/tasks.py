"""Celery tasks of the auth service. Tasks take ids, open their own session."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from movierec_auth.account import repository
from movierec_auth.config import get_settings
from movierec_auth.mailer import create_mailer
from movierec_auth.worker import celery_app
from movierec_common.db import oneoff_transaction
from movierec_common.logging import get_logger

log = get_logger(__name__)


async def _welcome(user_id: uuid.UUID) -> None:
    settings = get_settings()
    async with oneoff_transaction(settings.resolved_database_url) as session:
        user = await repository.get_user(session, user_id)
    if user is None:
        log.info("welcome_skipped_user_gone", user_id=str(user_id))
        return
    create_mailer(settings).send(
        to=user.email,
        subject="Welcome to movierec",
        body=(
            f"Hello {user.first_name},\n\nyour movierec account is ready. Rate a few movies you"
            " have seen and your recommendations will follow at once.\n"
        ),
    )


@celery_app.task(
    name="movierec_auth.send_welcome_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_welcome_email(user_id: str) -> None:
    asyncio.run(_welcome(uuid.UUID(user_id)))


async def _purge() -> int:
    async with oneoff_transaction(get_settings().resolved_database_url) as session:
        return await repository.purge_refresh_tokens(session, datetime.now(UTC))


@celery_app.task(name="movierec_auth.purge_expired_refresh_tokens")
def purge_expired_refresh_tokens() -> int:
    purged = asyncio.run(_purge())
    log.info("refresh_tokens_purged", count=purged)
    return purged
