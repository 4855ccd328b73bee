"""Several servers in one URL (libpq style), for a replicated database or a broker cluster.

``postgresql://user:pw@db-1:5432,db-2:5432/db?target_session_attrs=read-write`` or
``amqp://user:pw@rabbitmq-1:5672,rabbitmq-2:5672/``: the connect functions of
:mod:`movierec_common.db` and :mod:`movierec_common.amqp` try the servers in turn.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

from movierec_common.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")

#: Per multi-host URL, the server that last took a connection.
_last_answered: dict[str, str] = {}


def server_urls(url: str) -> list[str]:
    """The URL once per server, in the order given."""
    parts = urlsplit(url)
    userinfo, at, hosts = parts.netloc.rpartition("@")
    return [
        urlunsplit((parts.scheme, f"{userinfo}{at}{host}", parts.path, parts.query, ""))
        for host in hosts.split(",")
    ]


def servers_to_try(url: str) -> list[str]:
    """:func:`server_urls`, the one that last took a connection first: after a failover
    the clients go straight to the new primary (or broker) once one connection found it."""
    servers = server_urls(url)
    last = _last_answered.get(url)
    if last in servers:
        servers.remove(last)
        servers.insert(0, last)
    return servers


async def first_to_answer(
    url: str,
    open_one: Callable[[str], Awaitable[T]],
    *,
    skip: tuple[type[BaseException], ...],
) -> T:
    """``open_one(server_url)`` on each of ``url``'s servers in turn until one succeeds;
    a failure of a type in ``skip`` moves on to the next server, the last one's is raised."""
    *others, last = servers = servers_to_try(url)
    for server in others:
        try:
            opened = await open_one(server)
        except skip as exc:
            log.info("server_skipped", server=urlsplit(server).hostname, error=repr(exc))
            continue
        _last_answered[url] = server
        return opened
    opened = await open_one(last)
    if len(servers) > 1:
        _last_answered[url] = last
    return opened
