"""Deleted users are purged the normal way; nothing written is lost while the broker is away."""

from __future__ import annotations

import asyncio
import json
import uuid

import aio_pika
from sqlalchemy import text

from movierec_common.amqp import declare_events_exchange
from movierec_common.consumer import is_tombstoned
from movierec_common.demo import demo_user_id
from movierec_common.events import UserDeleted
from movierec_common.outbox import OutboxRelay
from movierec_ratings.spec import spec
from movierec_testkit import consuming, eventually, publish_event, run_console
from movierec_userdata.known_movies import add_known_movies
from movierec_userdata.service import purge


async def test_deleted_user_is_purged_with_events_and_later_writes_refused(
    client, token, app, settings, test_run
):
    user = uuid.uuid4()
    headers = token(user_id=user)
    for movie in (40, 41, 42):
        await client.put(f"/ratings/{movie}", json={"score": 4}, headers=headers)
    async with consuming(spec, settings, test_run, "purge") as runtime:
        await publish_event(settings, "user.deleted", UserDeleted(user_id=user))

        async def tombstoned() -> bool:
            async with runtime.database.transaction() as session:
                return await is_tombstoned(session, "user", user)

        await eventually(tombstoned)
    # From here on the still-valid token cannot write...
    refused = await client.put("/ratings/43", json={"score": 4}, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "This account has been deleted."
    # ...and the purge task (dispatched through the outbox) removes each rating the normal way.
    assert [str(user)] in [body[0] for body in await _outbox(app, "%.tasks")]
    assert await purge(app.state.runtime, user) == 3
    assert (await client.get("/ratings", headers=headers)).json()["total"] == 0
    removed = [
        e for e in await _outbox(app, "rating.removed") if e["payload"]["user_id"] == str(user)
    ]
    assert sorted(e["payload"]["movie_id"] for e in removed) == [40, 41, 42]
    assert (await client.get("/ratings/movies/40/summary")).json()["count"] == 0


async def _outbox(app, routing_key: str) -> list:
    async with app.state.db.transaction() as session:
        rows = await session.execute(
            text("SELECT body FROM outbox WHERE routing_key LIKE :k ORDER BY id"),
            {"k": routing_key},
        )
        return [json.loads(bytes(r[0])) for r in rows]


async def test_a_thousand_writes_survive_a_broker_cut(
    client, token, app, settings, test_run, tcp_proxy
):
    connection = await aio_pika.connect(test_run.amqp_url)
    channel = await connection.channel()
    exchange = await declare_events_exchange(channel, settings.events_exchange)
    queue = await channel.declare_queue(test_run.queue("ratings-cut"), durable=True)
    await queue.bind(exchange, routing_key="rating.set")
    proxy = tcp_proxy(test_run.amqp_url, 5672)
    relay = OutboxRelay(
        app.state.db.url,
        proxy.url(test_run.amqp_url),
        events_exchange=settings.events_exchange,
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


async def test_import_is_idempotent(service_env, shared_data_dir, tmp_path, app):
    lines = (shared_data_dir / "ratings.csv").read_text().splitlines()[:3001]
    (tmp_path / "movies.csv").write_text("movieId,title,genres\n")
    (tmp_path / "ratings.csv").write_text("\n".join([*lines, "1,2,x,3", ""]))
    async with app.state.db.transaction() as session:
        await add_known_movies(session, {int(line.split(",")[1]): "m" for line in lines[1:]})
    outputs = []
    for _ in range(2):
        code, out = await run_console(
            "movierec-ratings", "import", "--data", str(tmp_path), env=service_env
        )
        assert code == 0, out
        outputs.append(out)
    assert "3000 read, 3000 created" in outputs[0]
    assert "1 malformed" in outputs[0]
    assert "0 created, 3000 already present" in outputs[1]
    async with app.state.db.transaction() as session:
        count = await session.execute(
            text("SELECT count(*) FROM rating WHERE user_id = :u"), {"u": demo_user_id(1)}
        )
        assert count.scalar_one() > 0
