"""The cache fails open and loads once per key under concurrency."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from movierec_common.cache import Cache, create_redis


@pytest_asyncio.fixture(loop_scope="session")
async def redis_client(test_run):
    # Timeouts of a busy machine's test run, not a service's: the behaviour is under test.
    client = create_redis(test_run.redis_url, timeout=5)
    yield client
    await client.aclose()


class Source:
    def __init__(self, delay: float = 0.0) -> None:
        self.loads = 0
        self.delay = delay

    async def load(self) -> dict:
        self.loads += 1
        await asyncio.sleep(self.delay)
        return {"value": self.loads}


async def test_second_read_is_a_hit(redis_client, test_run):
    cache = Cache(redis_client, prefix=f"{test_run.redis_prefix}:c1", name="t")
    source = Source()
    key = cache.key("movie", 1)
    assert await cache.get_or_set(key, source.load) == {"value": 1}
    assert await cache.get_or_set(key, source.load) == {"value": 1}
    assert (cache.hits, cache.misses, source.loads) == (1, 1, 1)


async def test_delete_invalidates(redis_client, test_run):
    cache = Cache(redis_client, prefix=f"{test_run.redis_prefix}:c2", name="t")
    source = Source()
    key = cache.key("movie", 1)
    await cache.get_or_set(key, source.load)
    await cache.delete(key)
    assert await cache.get_or_set(key, source.load) == {"value": 2}


async def test_200_concurrent_misses_on_one_key_cause_one_load(redis_client, test_run):
    cache = Cache(redis_client, prefix=f"{test_run.redis_prefix}:c3", name="t")
    source = Source(delay=0.05)
    key = cache.key("hot")
    results = await asyncio.gather(*(cache.get_or_set(key, source.load) for _ in range(200)))
    assert source.loads == 1
    assert all(r == {"value": 1} for r in results)


async def test_redis_path_cut_serves_misses_from_the_source(tcp_proxy, test_run):
    proxy = tcp_proxy(test_run.redis_url, 6379)
    client = create_redis(proxy.url(test_run.redis_url))
    cache = Cache(client, prefix=f"{test_run.redis_prefix}:c4", name="t", breaker_seconds=0.2)
    source = Source()
    key = cache.key("movie", 9)
    await cache.get_or_set(key, source.load)
    proxy.cut()
    for _ in range(5):
        assert await cache.get_or_set(key, source.load) is not None
    await cache.delete(key)  # invalidation during the outage does not raise either
    assert cache.errors >= 1
    proxy.restore()
    await asyncio.sleep(0.3)
    await cache.get_or_set(key, source.load)
    await client.aclose()


async def test_failed_load_propagates_and_is_not_cached(redis_client, test_run):
    cache = Cache(redis_client, prefix=f"{test_run.redis_prefix}:c5", name="t")

    async def broken() -> dict:
        raise LookupError("source down")

    with pytest.raises(LookupError):
        await cache.get_or_set(cache.key("x"), broken)
    assert await cache.get(cache.key("x")) is None


async def test_a_load_overtaken_by_an_invalidation_is_not_stored(redis_client, test_run):
    cache = Cache(redis_client, prefix=f"{test_run.redis_prefix}:c6", name="t", local_ttl=5)
    key = cache.key("movie", 1)
    source = {"value": "old"}
    invalidated = asyncio.Event()

    async def slow_load() -> dict:
        loaded = dict(source)  # read before the write commits...
        await invalidated.wait()  # ...and the write's invalidation lands meanwhile
        return loaded

    reader = asyncio.create_task(cache.get_or_set(key, slow_load))
    await asyncio.sleep(0.05)
    source["value"] = "new"
    await cache.delete(key)
    invalidated.set()
    assert await reader == {"value": "old"}  # that request saw the old value...
    assert await cache.get(key) is None  # ...but did not cache it

    async def fresh() -> dict:
        return dict(source)

    assert await cache.get_or_set(key, fresh) == {"value": "new"}


async def test_invalidation_after_commit_deletes_keys_and_bumps_generations(
    redis_client, test_run, kernel_db
):
    cache = Cache(redis_client, prefix=f"{test_run.redis_prefix}:c9", name="t")
    key, counter = cache.key("movie", 1), cache.key("list-generation")
    await cache.set(key, {"title": "old"})
    before = await cache.generation(counter)
    async with kernel_db.transaction() as session:
        # Two calls in one transaction make one invalidation, after the commit.
        cache.invalidate_after_commit(session, keys=[key])
        cache.invalidate_after_commit(session, generations=[counter])
        assert await cache.get(key) == {"title": "old"}
    assert await cache.get(key) is None
    assert await cache.generation(counter) != before


async def test_a_rolled_back_transaction_invalidates_nothing(redis_client, test_run, kernel_db):
    cache = Cache(redis_client, prefix=f"{test_run.redis_prefix}:c10", name="t")
    key = cache.key("movie", 1)
    await cache.set(key, {"title": "kept"})
    with pytest.raises(RuntimeError):
        async with kernel_db.transaction() as session:
            cache.invalidate_after_commit(session, keys=[key])
            raise RuntimeError("the write failed")
    assert await cache.get(key) == {"title": "kept"}


async def test_concurrent_bumps_share_round_trips_and_all_land(redis_client, test_run):
    """Every write bumps its user's generation: under load the bumps go to Redis together,
    and each call returns only once its own bump is there."""
    cache = Cache(redis_client, prefix=f"{test_run.redis_prefix}:c11", name="t")
    sent: list[list[str]] = []
    script = cache._bump

    async def counting(*, keys, args):
        sent.append(list(keys))
        return await script(keys=keys, args=args)

    cache._bump = counting
    keys = [cache.key("user", i, "generation") for i in range(100)]

    async def bump(key: str) -> str:
        await cache.incr(key)
        return await redis_client.get(key)

    # A key asked for twice in one round is bumped once: both writes committed before it.
    values = await asyncio.gather(*(bump(k) for k in keys), *(bump(k) for k in keys[:10]))
    assert all(int(v) >= 1 for v in values)
    assert sorted(set(k for batch in sent for k in batch)) == sorted(keys)
    assert len(sent) < 10
    before = int(await redis_client.get(keys[0]))
    await cache.incr(keys[0])
    assert int(await redis_client.get(keys[0])) == before + 1
