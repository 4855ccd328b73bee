"""Celery beat that never talks to the broker: each due task goes into the service's
outbox, which the relay publishes. A run that falls due while RabbitMQ is down therefore
happens once it is back; beat's own publish used to fail and the run was lost."""

from __future__ import annotations

from typing import Any

from celery.beat import PersistentScheduler, ScheduleEntry, SchedulingError

from movierec_common import aio
from movierec_common.db import oneoff_transaction
from movierec_common.outbox import OutboxMessage, record, task_message

#: The Celery setting that holds the service database's URL (set by ``create_celery``).
DATABASE_URL_SETTING = "movierec_database_url"


async def _record(url: str, message: OutboxMessage) -> None:
    async with oneoff_transaction(url) as session:
        await record(session, message)


class OutboxScheduler(PersistentScheduler):
    @property
    def producer(self) -> None:  # type: ignore[override]  # beat publishes nothing itself
        return None

    def apply_async(
        self,
        entry: ScheduleEntry,
        producer: Any = None,
        advance: bool = True,
        **kwargs: Any,
    ) -> None:
        if advance:
            self.reserve(entry)
        if entry.task is None:
            raise SchedulingError(f"scheduled entry {entry.name} names no task")
        message = task_message(
            self.app,
            entry.task,
            args=tuple(entry.args or ()),
            kwargs=dict(entry.kwargs or {}),
            queue=(entry.options or {}).get("queue"),
        )
        try:
            aio.run(_record(self.app.conf[DATABASE_URL_SETTING], message))
        except Exception as exc:
            # Celery logs it and goes on with the next entries.
            raise SchedulingError(f"could not record scheduled task {entry.name}: {exc!r}") from exc
