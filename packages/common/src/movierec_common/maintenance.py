"""The periodic health report every service's beat runs: outbox backlog, dead letters."""

from __future__ import annotations

from prometheus_client import Gauge
from sqlalchemy import text

from movierec_common.amqp import dead_letter_queue_name
from movierec_common.consumer import consumer_queue_name
from movierec_common.db import oneoff_transaction
from movierec_common.logging import get_logger
from movierec_common.operations import queue_depths
from movierec_common.settings import ServiceSettings

log = get_logger(__name__)

OUTBOX_BACKLOG = Gauge(
    "movierec_outbox_backlog_rows", "Outbox rows and queued sweep work waiting", ["service"]
)
DEAD_LETTERS = Gauge("movierec_dead_letters", "Messages in the dead-letter queue", ["queue"])


async def report_backlog(
    settings: ServiceSettings, *, consumes: bool, backlog_sql: str
) -> dict[str, int | None]:
    """Count the backlog (``backlog_sql``: the spec's count of outbox rows and queued sweep
    work, what ``movierec status`` shows too) and the dead letters; log them and set the
    gauges."""
    async with oneoff_transaction(settings.resolved_database_url) as session:
        backlog = int((await session.execute(text(backlog_sql))).scalar_one())
    dead: int | None = None
    if consumes:
        queue = dead_letter_queue_name(consumer_queue_name(settings))
        try:
            dead = (await queue_depths(settings.amqp_url, [queue]))[queue].messages
        except Exception as exc:  # noqa: BLE001 - a report must not fail on a missing queue
            log.warning("dead_letter_count_unavailable", queue=queue, error=repr(exc))
    OUTBOX_BACKLOG.labels(settings.service).set(backlog)
    if dead is not None:
        DEAD_LETTERS.labels(dead_letter_queue_name(consumer_queue_name(settings))).set(dead)
    level = log.warning if backlog > 1000 or (dead or 0) > 0 else log.info
    level("backlog_report", service=settings.service, outbox_backlog=backlog, dead_letters=dead)
    return {"outbox_backlog": backlog, "dead_letters": dead}
