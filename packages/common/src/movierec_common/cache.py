"""Redis helpers: a fail-open JSON cache with single-flight.

Cache reads and writes never raise because Redis is unavailable: an outage is a miss,
and the value is loaded from the source. Nothing else is kept in Redis: security state
(the login throttle, ended sessions) lives in PostgreSQL, so an outage of Redis costs
speed only.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import orjson
import redis.asyncio as redis
from prometheus_client import Counter
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from movierec_common.db import after_commit
from movierec_common.logging import get_logger
from movierec_common.settings import ServiceSettings

log = get_logger(__name__)

T = TypeVar("T")

CACHE_REQUESTS = Counter(
    "movierec_cache_requests_total", "Cache lookups by cache name and result", ["cache", "result"]
)


def create_redis(url: str, *, timeout: float = 0.5, max_connections: int = 64) -> redis.Redis:
    """A Redis client with short timeouts: a slow Redis must not slow requests down."""
    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout,  # waiting for a free pooled connection
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        health_check_interval=30,
    )
    return redis.Redis(connection_pool=pool)


# Bumps generation counters and announces it, in one command (a pipeline of the two costs
# several times the client-side work: every user write runs it).
_BUMP_AND_PUBLISH = """
for _, key in ipairs(KEYS) do redis.call('INCR', key) end
redis.call('PUBLISH', ARGV[1], ARGV[2])
"""


class Cache:
    """JSON get-or-set cache with TTL + jitter, single-flight and fail-open behaviour.

    With ``local_ttl > 0`` a small in-process layer sits in front of Redis (values kept as
    serialized bytes, so hot reads skip both Redis and re-serialization). Invalidations are
    published on a Redis channel and every process running :meth:`listen` drops its local
    copies at once; if that channel is down, local copies still expire after ``local_ttl``.
    """

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str,
        name: str = "default",
        ttl: float = 300.0,
        jitter: float = 0.1,
        breaker_seconds: float = 1.0,
        local_ttl: float = 0.0,
        local_max_entries: int = 20_000,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.name = name
        self.ttl = ttl
        self.jitter = jitter
        self.breaker_seconds = breaker_seconds
        self.local_ttl = local_ttl
        self.local_max_entries = local_max_entries
        self._local: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._inflight: dict[str, asyncio.Future[bytes]] = {}
        # When each key was last invalidated here: a load that started before then must not
        # store its (possibly stale) result.
        self._invalidated_at: dict[str, float] = {}
        self._pending: set[asyncio.Task[None]] = set()
        self._down_until = 0.0
        self._bump = client.register_script(_BUMP_AND_PUBLISH)
        # Bumps asked for while one is on its way to Redis: sent together by the next one.
        self._bumps_waiting: set[str] = set()
        self._next_bump: asyncio.Future[None] | None = None
        self._bumper: asyncio.Task[None] | None = None
        # Resolved once: looking a labelled child up costs more than a local cache hit.
        self._counted = {r: CACHE_REQUESTS.labels(name, r) for r in ("hit", "miss", "error")}
        self.hits = 0
        self.misses = 0
        self.loads = 0
        self.errors = 0

    @classmethod
    def for_service(cls, client: redis.Redis, settings: ServiceSettings) -> Cache:
        """The service's cache: keys under ``<namespace>:<service>``, TTLs from its settings
        (``cache_ttl_seconds``, ``local_cache_ttl_seconds``)."""
        return cls(
            client,
            prefix=f"{settings.namespace}:{settings.service}",
            name=settings.service,
            ttl=settings.cache_ttl_seconds,
            local_ttl=settings.local_cache_ttl_seconds,
        )

    @property
    def channel(self) -> str:
        return f"{self.prefix}:invalidate"

    def key(self, *parts: object) -> str:
        return ":".join([self.prefix, *(str(p) for p in parts)])

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _trip(self, exc: Exception) -> None:
        # After a failure skip Redis briefly: an outage must not add a timeout to each call.
        self.errors += 1
        self._down_until = time.monotonic() + self.breaker_seconds
        self._counted["error"].inc()
        log.warning("cache_unavailable", cache=self.name, error=repr(exc))

    # -- the local layer ---------------------------------------------------------------

    def _local_get(self, key: str) -> bytes | None:
        if not self.local_ttl:
            return None
        entry = self._local.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            self._local.pop(key, None)
            return None
        return entry[1]

    def _local_set(self, key: str, raw: bytes) -> None:
        if not self.local_ttl:
            return
        self._local[key] = (time.monotonic() + self.local_ttl, raw)
        self._local.move_to_end(key)
        while len(self._local) > self.local_max_entries:
            self._local.popitem(last=False)

    def forget_local(self, *keys: str) -> None:
        now = time.monotonic()
        if len(self._invalidated_at) > 50_000:
            self._invalidated_at = {k: t for k, t in self._invalidated_at.items() if now - t < 60}
        for key in keys:
            self._local.pop(key, None)
            self._invalidated_at[key] = now

    async def listen(self, stop: asyncio.Event | None = None) -> None:
        """Drop local copies when any process invalidates them (run as a background task)."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            pubsub = self.client.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                while not stop.is_set():
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message and message.get("type") == "message":
                        self.forget_local(*orjson.loads(message["data"]))
            except (RedisError, OSError) as exc:
                # Missed invalidations are bounded by local_ttl; start clean after an outage.
                self._local.clear()
                log.warning("cache_listener_reconnecting", cache=self.name, error=repr(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    # -- reads and writes ----------------------------------------------------------------

    async def get_raw(self, key: str) -> bytes | None:
        """The cached JSON bytes of ``key`` (None on a miss or while Redis is down)."""
        local = self._local_get(key)
        if local is not None:
            return local
        if not self._available():
            return None
        try:
            raw = _as_bytes(await self.client.get(key))
        except (RedisError, OSError) as exc:
            self._trip(exc)
            return None
        if raw is not None:
            self._local_set(key, raw)
        return raw

    async def get(self, key: str) -> Any | None:
        raw = await self.get_raw(key)
        return None if raw is None else orjson.loads(raw)

    async def set_raw(self, key: str, raw: bytes, ttl: float | None = None) -> None:
        self._local_set(key, raw)
        if not self._available():
            return
        ttl = ttl or self.ttl
        expires = max(1, int(ttl * (1 + random.uniform(-self.jitter, self.jitter))))
        try:
            await self.client.set(key, raw, ex=expires)
        except (RedisError, OSError) as exc:
            self._trip(exc)

    async def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        await self.set_raw(key, orjson.dumps(value), ttl)

    async def _publish(self, keys: tuple[str, ...]) -> None:
        # Writers (APIs, consumers, workers) publish even without a local layer of their own:
        # the readers holding local copies are other processes.
        await self.client.publish(self.channel, orjson.dumps(list(keys)))

    async def delete(self, *keys: str) -> None:
        """Invalidate ``keys`` everywhere; call after the commit that changed the source.

        A reader in another process may have loaded the old value just before the commit and
        store it just after this delete; a second delete a moment later removes it.
        """
        if not keys:
            return
        await self._delete_now(keys)
        task = asyncio.get_running_loop().create_task(self._delete_later(keys))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _delete_now(self, keys: tuple[str, ...]) -> None:
        self.forget_local(*keys)
        try:
            await self.client.delete(*keys)
            await self._publish(keys)
        except (RedisError, OSError) as exc:
            self._trip(exc)

    async def _delete_later(self, keys: tuple[str, ...], delay: float = 0.5) -> None:
        await asyncio.sleep(delay)
        await self._delete_now(keys)

    def invalidate_after_commit(
        self, session: AsyncSession, *, keys: Iterable[str] = (), generations: Iterable[str] = ()
    ) -> None:
        """Once ``session``'s transaction has committed, delete ``keys`` and bump the
        generation counters ``generations``, everywhere. Calls within one transaction add
        up to one invalidation; a rollback drops it."""
        keys, generations = list(keys), list(generations)
        if not keys and not generations:
            return
        pending: tuple[set[str], set[str]] | None = session.info.get(self._pending_key)
        if pending is None:
            pending = session.info[self._pending_key] = (set(), set())

            async def invalidate() -> None:
                stale, counters = session.info.pop(self._pending_key)
                await self.delete(*stale)
                await self.incr(*counters)

            after_commit(session, invalidate)
        pending[0].update(keys)
        pending[1].update(generations)

    @property
    def _pending_key(self) -> str:
        return f"cache-invalidation:{self.prefix}"

    async def incr(self, *keys: str) -> None:
        """Bump generation counters (invalidates every key built with their old values) and
        return once Redis has them.

        Concurrent calls share round trips: keys asked for while a bump is on its way go
        together in the next one (one command, however many keys), so under load every
        write does not pay a Redis command of its own."""
        if not keys:
            return
        self.forget_local(*keys)
        self._bumps_waiting.update(keys)
        if self._next_bump is None:
            loop = asyncio.get_running_loop()
            self._next_bump = loop.create_future()
            if self._bumper is None or self._bumper.done():
                self._bumper = loop.create_task(self._send_bumps())
        await asyncio.shield(self._next_bump)

    async def _send_bumps(self) -> None:
        while self._next_bump is not None:
            done, self._next_bump = self._next_bump, None
            keys = list(self._bumps_waiting)
            self._bumps_waiting.clear()
            try:
                await self._bump(keys=keys, args=[self.channel, orjson.dumps(keys)])
            except (RedisError, OSError) as exc:
                self._trip(exc)
            finally:
                done.set_result(None)

    async def generation(self, key: str) -> str:
        """The current value of the generation counter ``key`` (``"0"`` until first bumped).

        Counters never expire (a reset could revive entries keyed by an old value). While
        Redis is unavailable every call returns a fresh value: nothing keyed by it is found,
        so nothing stale is served.
        """
        local = self._local_get(key)
        if local is not None:
            return local.decode()
        if not self._available():
            return f"x{random.getrandbits(64):x}"
        started = time.monotonic()
        try:
            raw = _as_bytes(await self.client.set(key, b"0", nx=True, get=True)) or b"0"
        except (RedisError, OSError) as exc:
            self._trip(exc)
            return f"x{random.getrandbits(64):x}"
        # A bump heard while we read must win over the value we read.
        if self._invalidated_at.get(key, 0.0) < started:
            self._local_set(key, raw)
        return raw.decode()

    async def get_or_set_raw(
        self, key: str, loader: Callable[[], Awaitable[Any]], ttl: float | None = None
    ) -> bytes:
        """The cached JSON bytes of ``key``, or load, serialize, store and return them.

        Concurrent calls for one key in this process share one Redis read and at most one
        load (single-flight); the callers that joined count as hits.
        """
        local = self._local_get(key)
        if local is not None:
            self.hits += 1
            self._counted["hit"].inc()
            return local
        pending = self._inflight.get(key)
        if pending is not None:
            self.hits += 1
            self._counted["hit"].inc()
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            raw = await self.get_raw(key)
            if raw is not None:
                self.hits += 1
                self._counted["hit"].inc()
            else:
                self.misses += 1
                self.loads += 1
                self._counted["miss"].inc()
                started = time.monotonic()
                raw = orjson.dumps(await loader())
                if self._invalidated_at.get(key, 0.0) < started:
                    await self.set_raw(key, raw, ttl)
            future.set_result(raw)
            return raw
        except BaseException as exc:
            future.set_exception(exc)
            # Nobody may be waiting; mark the exception retrieved to avoid a warning.
            future.exception()
            raise
        finally:
            del self._inflight[key]

    async def get_or_set(
        self, key: str, loader: Callable[[], Awaitable[T]], ttl: float | None = None
    ) -> T:
        """Like :meth:`get_or_set_raw`, decoded."""
        return orjson.loads(await self.get_or_set_raw(key, loader, ttl))


def _as_bytes(value: object) -> bytes | None:
    """A Redis reply as bytes (the clients here never decode responses)."""
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise TypeError(f"unexpected Redis reply {value!r}")
