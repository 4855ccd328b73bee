"""Deleted users are purged the normal way; nothing written is lost while the broker is away."""

from __future__ import annotations

import asyncio
import json
import uuid

import aio_pika
from sqlalchemy import text

from movierec_common.amqp import declare_events_exchange
from movierec_common.celery_app import create_celery
from movierec_common.consumer import publish_raw
from movierec_common.db import Database
from movierec_common.demo import demo_user_id
from movierec_common.events import UserDeleted, make_event
from movierec_common.known_movies import add_known_movies
from movierec_common.outbox import OutboxRelay
from movierec_common.testkit import eventually
from movierec_common.testkit.processes import console_script
from movierec_common.userdata import user_data_consumer
from movierec_ratings import tasks


async def test_deleted_user_is_purged_with_events_and_later_writes_refused(
    client, token, app, ratings_settings, test_run, monkeypatch
):
    user = uuid.uuid4()
    headers = token(user_id=user)
    for movie in (40, 41, 42):
        await client.put(f"/ratings/{movie}", json={"score": 4}, headers=headers)
    settings = ratings_settings.model_copy(update={"namespace": f"{test_run.namespace}-purge"})
    test_run.queues.append(f"{settings.namespace}.ratings.events")
    database = Database.for_service(ratings_settings)
    consumer = user_data_consumer(settings, database=database, celery_app=create_celery(settings))
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    await asyncio.sleep(0.5)
    deleted = make_event(
        "user.deleted", UserDeleted(user_id=user), producer="auth@test", aggregate_version=10**9
    )
    await publish_raw(settings.amqp_url, settings.events_exchange, deleted.type, deleted.to_bytes())

    async def tombstoned() -> bool:
        async with database.transaction() as session:
            row = await session.execute(
                text("SELECT 1 FROM tombstone WHERE kind = 'user' AND entity_id = :u"),
                {"u": str(user)},
            )
            return row.first() is not None

    await eventually(tombstoned)
    # From here on the still-valid token cannot write...
    refused = await client.put("/ratings/43", json={"score": 4}, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "This account has been deleted."
    # ...and the purge task (dispatched through the outbox) removes each rating the normal way.
    async with database.transaction() as session:
        tasks_rows = await session.execute(
            text("SELECT body FROM outbox WHERE routing_key LIKE '%.tasks'")
        )
        assert [str(user)] in [json.loads(bytes(r[0]))[0] for r in tasks_rows]
    monkeypatch.setattr(tasks, "get_settings", lambda: ratings_settings)
    assert await tasks.purge(user) == 3
    assert (await client.get("/ratings", headers=headers)).json()["total"] == 0
    async with database.transaction() as session:
        rows = await session.execute(
            text("SELECT body FROM outbox WHERE routing_key = 'rating.removed' ORDER BY id")
        )
        mine = [json.loads(bytes(r[0])) for r in rows]
    removed = [
        e for e in mine if e["type"] == "rating.removed" and e["payload"]["user_id"] == str(user)
    ]
    assert sorted(e["payload"]["movie_id"] for e in removed) == [40, 41, 42]
    assert (await client.get("/ratings/movies/40/summary")).json()["count"] == 0
    stop.set()
    await running
    await database.dispose()


async def test_a_thousand_writes_survive_a_broker_cut(
    client, token, app, ratings_settings, test_run, tcp_proxy
):
    connection = await aio_pika.connect(test_run.amqp_url)
    channel = await connection.channel()
    exchange = await declare_events_exchange(channel, ratings_settings.events_exchange)
    queue = await channel.declare_queue(test_run.queue("ratings-cut"), durable=True)
    await queue.bind(exchange, routing_key="rating.set")
    proxy = tcp_proxy(test_run.amqp_url, 5672)
    relay = OutboxRelay(
        app.state.db.url,
        proxy.url(test_run.amqp_url),
        events_exchange=ratings_settings.events_exchange,
        max_backoff=0.5,
    )
    stop = asyncio.Event()
    relaying = asyncio.create_task(relay.run(stop))
    users = [uuid.uuid4() for _ in range(1000)]
    statuses = []
    for i, user in enumerate(users):
        if i == 250:
            proxy.cut()
        if i == 750:
            proxy.restore()
        response = await client.put(
            f"/ratings/{i % 100 + 101}", json={"score": 3.5}, headers=token(user_id=user)
        )
        statuses.append(response.status_code)
    assert statuses == [201] * 1000
    wanted = {str(u) for u in users}
    seen: dict[str, int] = {}

    async def all_arrived() -> bool:
        while (message := await queue.get(fail=False, no_ack=True)) is not None:
            event = json.loads(message.body)
            if event["payload"]["user_id"] in wanted:
                seen[event["id"]] = seen.get(event["id"], 0) + 1
        return len(seen) >= 1000

    await eventually(all_arrived, timeout=60, interval=0.1)
    assert len(seen) == 1000
    stop.set()
    await relaying
    await connection.close()


async def test_import_is_idempotent(ratings_env, shared_data_dir, tmp_path, app):
    lines = (shared_data_dir / "ratings.csv").read_text().splitlines()[:3001]
    (tmp_path / "movies.csv").write_text("movieId,title,genres\n")
    (tmp_path / "ratings.csv").write_text("\n".join([*lines, "1,2,x,3", ""]))
    async with app.state.db.transaction() as session:
        await add_known_movies(session, {int(line.split(",")[1]): "m" for line in lines[1:]})
    outputs = []
    for _ in range(2):
        proc = await asyncio.create_subprocess_exec(
            console_script("movierec-ratings"),
            "import",
            "--data",
            str(tmp_path),
            env=ratings_env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await proc.communicate()
        assert proc.returncode == 0, out.decode()
        outputs.append(out.decode())
    assert "3000 read, 3000 created" in outputs[0]
    assert "1 malformed" in outputs[0]
    assert "0 created, 3000 already present" in outputs[1]
    async with app.state.db.transaction() as session:
        count = await session.execute(
            text("SELECT count(*) FROM rating WHERE user_id = :u"), {"u": demo_user_id(1)}
        )
        assert count.scalar_one() > 0
