"""Celery app factory with the no-loss settings every service uses."""

from __future__ import annotations

from celery import Celery
from kombu import Exchange, Queue

from movierec_common.amqp import queue_arguments, service_queue_name
from movierec_common.servers import server_urls
from movierec_common.settings import ServiceSettings


def task_queue_name(settings: ServiceSettings) -> str:
    return service_queue_name(settings.namespace, settings.service, "tasks")


def create_celery(settings: ServiceSettings) -> Celery:
    """A Celery app on RabbitMQ that loses no task.

    acks_late + reject_on_worker_lost: a task whose worker dies is redelivered;
    prefetch 1: a busy worker does not hoard tasks; confirm_publish: the broker
    confirmed every message Celery itself sends (retries); beat records its tasks in the
    service's outbox (:class:`movierec_common.beat.OutboxScheduler`). Several brokers of a
    cluster in the URL become kombu's failover list; the task queue has the deployment's
    queue type (on a quorum queue, Celery turns its global QoS off by itself).
    """
    queue = task_queue_name(settings)
    broker = ";".join(server_urls(settings.amqp_url))
    app = Celery(f"movierec_{settings.service}", broker=broker)
    app.conf.update(
        task_queues=[
            Queue(
                queue,
                Exchange(""),
                routing_key=queue,
                durable=True,
                queue_arguments=queue_arguments(settings.amqp_queue_type),
            )
        ],
        task_default_queue=queue,
        task_default_exchange="",
        task_default_routing_key=queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={"confirm_publish": True},
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        result_backend=None,
        task_ignore_result=True,
        timezone="UTC",
        enable_utc=True,
        worker_hijack_root_logger=False,
        # Our logs already go to stdout as lines; re-logging stdout would wrap each of them.
        worker_redirect_stdouts=False,
        task_create_missing_queues=True,
        broker_heartbeat=30,
        beat_scheduler="movierec_common.beat:OutboxScheduler",
        movierec_database_url=settings.resolved_database_url,
    )
    return app
