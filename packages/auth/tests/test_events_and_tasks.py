"""Every account action leaves one event on movierec.events; tasks go through the outbox."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import aio_pika
import structlog
from sqlalchemy import select, text

from movierec_auth import tasks
from movierec_auth.mailer import LogMailer
from movierec_auth.tables import refresh_token
from movierec_common.amqp import declare_events_exchange, message_bodies
from movierec_common.celery_app import task_queue_name
from movierec_common.outbox import OutboxRelay
from movierec_testkit import eventually


async def test_register_update_delete_publish_one_event_each(api, app, settings, test_run):
    connection = await aio_pika.connect(test_run.amqp_url)
    channel = await connection.channel()
    exchange = await declare_events_exchange(channel, settings.events_exchange)
    queue = await channel.declare_queue(test_run.queue("auth-events"), durable=True)
    await queue.bind(exchange, routing_key="user.*")
    relay = OutboxRelay(
        app.state.db.url, settings.amqp_url, events_exchange=settings.events_exchange
    )
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))

    user = await api.registered_user()
    await api.client.patch("/auth/me", json={"favorite_genres": ["War"]}, headers=user["headers"])
    await api.client.request(
        "DELETE", "/auth/me", json={"password": api.password}, headers=user["headers"]
    )

    mine: list[dict] = []

    async def three_arrived() -> bool:
        while (message := await queue.get(fail=False, no_ack=True)) is not None:
            for body in message_bodies(message.content_type, message.body):
                event = json.loads(body)
                if event["aggregate_id"] == user["id"]:
                    mine.append(event)
        return len(mine) >= 3

    await eventually(three_arrived, timeout=15)
    await asyncio.sleep(0.5)
    await three_arrived()
    assert [e["type"] for e in mine] == ["user.registered", "user.updated", "user.deleted"]
    assert mine[1]["payload"] == {"user_id": user["id"], "favorite_genres": ["War"]}
    assert (
        mine[0]["aggregate_version"] < mine[1]["aggregate_version"] < mine[2]["aggregate_version"]
    )
    assert all(e["producer"].startswith("auth@") for e in mine)
    assert "email" not in json.dumps(mine)  # no personal data beyond ids
    stop.set()
    await task
    await connection.close()


async def test_unchanged_patch_emits_nothing(api, app):
    user = await api.registered_user()
    async with app.state.db.transaction() as session:
        before = (await session.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
    body = {"first_name": user["first_name"]}
    await api.client.patch("/auth/me", json=body, headers=user["headers"])
    async with app.state.db.transaction() as session:
        assert (await session.execute(text("SELECT count(*) FROM outbox"))).scalar_one() == before


async def test_welcome_mail_is_dispatched_through_the_outbox(api, app, settings):
    user = (await api.register()).json()
    async with app.state.db.transaction() as session:
        rows = await session.execute(
            text("SELECT body FROM outbox WHERE routing_key = :q"),
            {"q": task_queue_name(settings)},
        )
        bodies = [json.loads(bytes(r[0])) for r in rows]
    assert [user["id"]] in [b[0] for b in bodies]


async def test_welcome_task_sends_a_mail_to_the_user(api, app, monkeypatch):
    user = (await api.register()).json()
    mailer = LogMailer()
    monkeypatch.setattr(tasks, "create_mailer", lambda settings: mailer)
    await tasks.send_welcome(app.state.runtime, uuid.UUID(user["id"]))
    assert mailer.sent[0]["to"].lower() == user["email"].lower()
    assert "Ada" in mailer.sent[0]["body"]


def test_info_logs_never_show_a_whole_email_address():
    with structlog.testing.capture_logs() as logs:
        LogMailer().send(to="ada.lovelace@example.com", subject="Welcome", body="Hi Ada")
    info = [e for e in logs if e["log_level"] == "info"]
    assert info and all("ada.lovelace" not in str(e) for e in info)
    assert info[0]["to"] == "a…@example.com"


async def test_purge_removes_only_expired_refresh_tokens(api, app):
    user = await api.registered_user()
    other = await api.registered_user()
    async with app.state.db.transaction() as session:
        await session.execute(
            text("UPDATE refresh_token SET expires_at = :t WHERE user_id = :u"),
            {"t": datetime.now(UTC) - timedelta(days=1), "u": user["id"]},
        )
    assert await tasks.purge_expired(app.state.runtime) >= 1
    async with app.state.db.transaction() as session:
        left = (await session.execute(select(refresh_token.c.user_id))).scalars().all()
    assert uuid.UUID(user["id"]) not in left
    assert uuid.UUID(other["id"]) in left
