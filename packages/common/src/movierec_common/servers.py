"""Several servers in one URL (libpq style), for a replicated database or a broker cluster.

``postgresql://user:pw@db-1:5432,db-2:5432/db?target_session_attrs=read-write`` or
``amqp://user:pw@rabbitmq-1:5672,rabbitmq-2:5672/``: the connect functions of
:mod:`movierec_common.db` and :mod:`movierec_common.amqp` try the servers in turn.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

from movierec_common.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")

#: Per multi-server URL, its servers in the order to try them: the one that took the last
#: connection first, the one that last did not answer at all last.
_order: dict[str, list[str]] = {}
#: Failures that mean a server did not answer (refused, timed out, its name unknown) as
#: opposed to one that answered it is not the kind wanted (a standby asked for a primary).
UNANSWERED = (OSError, TimeoutError)

#: Name lookups of the servers of multi-server URLs: their own threads, one lookup per name
#: at a time. A name whose server is gone can take the resolver many seconds to give up on
#: (Swarm's DNS forwards it to upstream resolvers); on the event loop's default executor,
#: a handful of those held every thread, and the lookup of the server that did answer
#: waited behind them until the lost one came back.
_resolver = ThreadPoolExecutor(max_workers=8, thread_name_prefix="resolve")
_lookups: dict[tuple[str, int], asyncio.Future[str]] = {}


def server_urls(url: str) -> list[str]:
    """The URL once per server, in the order given."""
    parts = urlsplit(url)
    userinfo, at, hosts = parts.netloc.rpartition("@")
    return [
        urlunsplit((parts.scheme, f"{userinfo}{at}{host}", parts.path, parts.query, ""))
        for host in hosts.split(",")
    ]


def servers_to_try(url: str) -> list[str]:
    """:func:`server_urls`, the one that last took a connection first and the one that last
    did not answer last: after a failover the clients go straight to the new primary (or
    broker) once one connection found it, and stop waiting on the lost one first."""
    servers = server_urls(url)
    order = _order.get(url)
    return list(order) if order is not None and sorted(order) == sorted(servers) else servers


def _move(url: str, server: str, *, first: bool) -> None:
    order = _order.setdefault(url, server_urls(url))
    if server in order:
        order.remove(server)
        order.insert(0 if first else len(order), server)


async def resolved(server: str, timeout: float) -> str:
    """``server`` (a URL) with its host name replaced by the host's address, looked up
    within ``timeout`` seconds on the resolver's own threads; a lookup of the same name
    already under way is shared, not repeated."""
    parts = urlsplit(server)
    host, port = parts.hostname, parts.port or 0
    if host is None or host.startswith("/") or _is_address(host):
        return server
    key = (host, port)
    lookup = _lookups.get(key)
    if lookup is None:
        loop = asyncio.get_running_loop()
        lookup = loop.run_in_executor(_resolver, _address_of, host, port)
        _lookups[key] = lookup

        def done(future: asyncio.Future[str]) -> None:
            _lookups.pop(key, None)
            if not future.cancelled():
                future.exception()  # retrieved: a lookup nobody waits for any more may fail

        lookup.add_done_callback(done)
    address = await asyncio.wait_for(asyncio.shield(lookup), timeout)
    userinfo, at, _ = parts.netloc.rpartition("@")
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{userinfo}{at}{literal}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _address_of(host: str, port: int) -> str:
    return str(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][4][0])


async def first_to_answer(
    url: str,
    open_one: Callable[[str], Awaitable[T]],
    *,
    skip: tuple[type[BaseException], ...],
    timeout: float,
) -> T:
    """``open_one(server_url)`` on each of ``url``'s servers in turn until one succeeds;
    a failure of a type in ``skip`` moves on to the next server, the last one's is raised.
    With several servers, each name is looked up first (:func:`resolved`, within
    ``timeout``) and ``open_one`` gets the URL with the address."""
    servers = servers_to_try(url)
    if len(servers) == 1:
        return await open_one(servers[0])
    for n, server in enumerate(servers):
        started = time.monotonic()
        try:
            opened = await open_one(await resolved(server, timeout))
        except skip as exc:
            if isinstance(exc, UNANSWERED):
                _move(url, server, first=False)
            if n == len(servers) - 1:
                raise
            log.info(
                "server_skipped",
                server=urlsplit(server).hostname,
                error=repr(exc),
                seconds=round(time.monotonic() - started, 2),
            )
            continue
        _move(url, server, first=True)
        return opened
    raise AssertionError("unreachable: the last server's failure is raised")
