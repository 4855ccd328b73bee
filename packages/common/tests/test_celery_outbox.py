"""A Celery task recorded in the outbox is run by a real worker after the commit."""

from __future__ import annotations

import asyncio
import threading

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import text

from movierec_common.beat import OutboxScheduler
from movierec_common.celery_app import create_celery, task_queue_name
from movierec_common.outbox import OutboxRelay, record, task_message
from movierec_common.settings import ServiceSettings
from movierec_testkit import eventually


@pytest.mark.parametrize("queue_type", ["classic", "quorum"])
async def test_task_message_from_the_outbox_runs_on_a_worker(kernel_db, test_run, queue_type):
    settings = ServiceSettings(
        service=f"celery{queue_type}", namespace=test_run.namespace, amqp_queue_type=queue_type
    )
    app = create_celery(settings)
    test_run.queues.append(task_queue_name(settings))
    received: list[tuple[int, str]] = []
    done = threading.Event()

    name = f"movierec.test.remember_{queue_type}"

    @app.task(name=name)
    def remember(number: int, *, word: str) -> None:
        received.append((number, word))
        done.set()

    # The relay declares the queue, so a task recorded before any worker exists is kept.
    async with kernel_db.transaction() as session:
        await record(session, task_message(app, name, args=(7,), kwargs={"word": "hi"}))
    relay = OutboxRelay(
        kernel_db.url,
        test_run.amqp_url,
        events_exchange=test_run.events_exchange,
        queue_type=queue_type,
    )
    assert await relay.drain() == 1
    await relay.close()

    def run_worker() -> None:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            done.wait(20)

    worker = asyncio.get_running_loop().run_in_executor(None, run_worker)

    async def ran() -> bool:
        return bool(received)

    await eventually(ran, timeout=20)
    await worker
    assert received == [(7, "hi")]


def test_celery_app_has_the_no_loss_settings():
    app = create_celery(ServiceSettings(service="x"))
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.broker_transport_options["confirm_publish"] is True
    assert app.conf.task_default_queue == "movierec.x.tasks"


async def test_beat_records_due_tasks_in_the_outbox_with_the_broker_away(
    kernel_db, test_run, tmp_path
):
    """Beat runs on with RabbitMQ unreachable (here: nothing listens on the port) and
    each due run waits in the outbox for the relay."""
    settings = ServiceSettings(
        service="beaty",
        namespace=test_run.namespace,
        amqp_url="amqp://guest:guest@127.0.0.1:9//",
        database_url=kernel_db.url,
    )
    app = create_celery(settings)
    app.conf.beat_schedule = {"often": {"task": "movierec_beaty.often", "schedule": 0.05}}
    # As `celery beat` builds it: the scheduler class comes from the app's settings.
    command = app.Beat(schedule=str(tmp_path / "schedule"))
    beat = command.Service(
        app=app, scheduler_cls=command.scheduler_cls, schedule_filename=command.schedule
    ).scheduler
    assert isinstance(beat, OutboxScheduler)
    await asyncio.sleep(0.1)
    await asyncio.to_thread(beat.tick)
    await asyncio.sleep(0.1)
    await asyncio.to_thread(beat.tick)
    beat.close()
    async with kernel_db.transaction() as session:
        rows = (
            await session.execute(text("SELECT routing_key, headers FROM outbox ORDER BY id"))
        ).all()
    assert len(rows) == 2
    assert {r.routing_key for r in rows} == {task_queue_name(settings)}
    assert all(r.headers["task"] == "movierec_beaty.often" for r in rows)
