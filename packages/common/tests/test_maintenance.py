"""The backlog report counts the outbox, the queued sweep work and the dead letters of a
service."""

from __future__ import annotations

import aio_pika
from sqlalchemy import text

from movierec_common.amqp import declare_consumer_queue
from movierec_common.consumer import consumer_queue_name
from movierec_common.maintenance import report_backlog
from movierec_common.outbox import OutboxMessage, record
from movierec_common.settings import ServiceSettings
from movierec_common.sweeps import backlog_statement


async def test_report_counts_outbox_rows_queued_sweep_work_and_dead_letters(kernel_db, test_run):
    settings = ServiceSettings(
        service="reporter",
        database_url=kernel_db.url,
        amqp_url=test_run.amqp_url,
        events_exchange=test_run.events_exchange,
        namespace=test_run.namespace,
    )
    queue = consumer_queue_name(settings)
    test_run.queues.append(queue)
    connection = await aio_pika.connect(test_run.amqp_url)
    channel = await connection.channel()
    await declare_consumer_queue(
        channel, events_exchange=test_run.events_exchange, queue=queue, routing_keys=["x.y"]
    )
    await channel.default_exchange.publish(aio_pika.Message(b"dead"), routing_key=f"{queue}.dead")
    async with kernel_db.transaction() as session:
        for _ in range(3):
            await record(session, OutboxMessage(exchange="ex", routing_key="k", body=b"{}"))
        await session.execute(text("CREATE TABLE queued (n integer NOT NULL)"))
        await session.execute(text("INSERT INTO queued VALUES (1), (2)"))
    outbox_only = await report_backlog(settings, consumes=True, backlog_sql=backlog_statement([]))
    assert outbox_only == {"outbox_backlog": 3, "dead_letters": 1}
    with_sweeps = backlog_statement(["queued"])
    assert await report_backlog(settings, consumes=False, backlog_sql=with_sweeps) == {
        "outbox_backlog": 5,
        "dead_letters": None,
    }
    await connection.close()
