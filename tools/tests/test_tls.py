"""`movierec tls-cert`: a self-signed pair that TLS clients trust when given the
certificate, for the names asked and no other; the key readable by its owner only."""

from __future__ import annotations

import asyncio
import ssl
import stat

import pytest
from click.testing import CliRunner

from movierec_tools.cli import cli


async def _handshake(cert, key, server_hostname: str) -> None:
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"hello")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    client_ctx = ssl.create_default_context(cafile=str(cert))
    try:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client_ctx, server_hostname=server_hostname
        )
        assert await reader.read() == b"hello"
        writer.close()
    finally:
        server.close()
        await server.wait_closed()


async def test_a_client_given_the_certificate_trusts_it_for_the_names_asked(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    args = ["tls-cert", "--cert", str(cert), "--key", str(key), "--host", "edge.test"]
    result = CliRunner().invoke(cli, [*args, "--host", "127.0.0.1"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    await _handshake(cert, key, "edge.test")
    await _handshake(cert, key, "127.0.0.1")
    with pytest.raises(ssl.SSLCertVerificationError):
        await _handshake(cert, key, "other.test")
