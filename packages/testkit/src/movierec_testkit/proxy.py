"""A TCP proxy owned by a test, to cut and restore its path to PostgreSQL, Redis or RabbitMQ.

Outages are simulated here, never by stopping the machine's shared servers. ``cut()``
closes every proxied connection and stops listening (new connections are refused);
``restore()`` listens again on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from urllib.parse import urlsplit, urlunsplit


class TcpProxy:
    def __init__(
        self, target_host: str, target_port: int, *, listen_host: str = "127.0.0.1"
    ) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.listen_host = listen_host
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, daemon=True, name="tcp-proxy"
        )
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.connections = 0

    @classmethod
    def for_url(cls, url: str, default_port: int) -> TcpProxy:
        parts = urlsplit(url)
        return cls(parts.hostname or "127.0.0.1", parts.port or default_port)

    def url(self, url: str) -> str:
        """``url`` rewritten to go through this proxy."""
        parts = urlsplit(url)
        netloc = parts.netloc.rsplit("@", 1)
        auth = f"{netloc[0]}@" if len(netloc) == 2 else ""
        return urlunsplit(
            (parts.scheme, f"{auth}{self.listen_host}:{self.port}", parts.path, parts.query, "")
        )

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    def start(self) -> TcpProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._handle, self.listen_host, self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(self.target_host, self.target_port), 5
            )
        except (OSError, TimeoutError):
            writer.close()
            return
        self.connections += 1
        self._writers.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers.discard(writer)
        self._writers.discard(up_writer)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for w in list(self._writers):
            with contextlib.suppress(Exception):
                transport = w.transport
                transport.abort()
        self._writers.clear()

    def cut(self) -> None:
        """Drop every connection and refuse new ones."""
        self._call(self._cut())

    def restore(self) -> None:
        """Accept connections again, on the same port."""
        if self._server is None:
            self._call(self._listen())

    @property
    def is_cut(self) -> bool:
        return self._server is None

    async def _shutdown(self) -> None:
        await self._cut()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
