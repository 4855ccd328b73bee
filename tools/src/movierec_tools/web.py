"""The web app (``packages/web``): its API documents, its build, and the one origin that
serves it beside the APIs.

`movierec up` builds the app when its sources changed (with the machine's Node.js and npm)
and runs :class:`Origin` at the port base: the built files, and ``/auth``, ``/movies``,
``/history``, ``/ratings``, ``/recommendations`` passed to the services exactly as the
Swarm edge routes them (``stacks/edge/nginx.conf``), so the browser talks to one origin
and needs no CORS.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import subprocess
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import httpx

from movierec_common.service import service_specs

#: The app's folder in the workspace (this file is tools/src/movierec_tools/web.py).
WEB_DIR = Path(__file__).resolve().parents[3] / "packages" / "web"
#: Where the build lands, and the digest of the sources it was built from.
DIST = "dist"
STAMP = ".movierec-build"
#: What the build reads: a change to any of these makes the next `movierec up` rebuild.
SOURCES = (
    "index.html",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "vite.config.ts",
    "src",
    "public",
)
#: The oldest Node.js the build tools run on (Vite 8).
NODE_MIN = (20, 19)


class WebBuildError(RuntimeError):
    """The app could not be built here; the message says what is missing or what failed."""


# -- the API documents the typed client is generated from --------------------------------


def openapi_documents() -> dict[str, dict[str, Any]]:
    """Each installed service's OpenAPI document, by service name (no server needed)."""
    return {spec.name: spec.create_app().openapi() for spec in service_specs()}


def openapi_text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_openapi(folder: Path = WEB_DIR / "openapi") -> list[Path]:
    """Write ``<service>.json`` for every service; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in openapi_documents().items():
        path = folder / f"{name}.json"
        path.write_text(openapi_text(document))
        written.append(path)
    return written


# -- the build ---------------------------------------------------------------------------


def _files(web_dir: Path) -> Iterable[Path]:
    for name in SOURCES:
        path = web_dir / name
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        elif path.is_file():
            yield path


def sources_digest(web_dir: Path = WEB_DIR) -> str:
    digest = hashlib.sha256()
    for path in _files(web_dir):
        digest.update(str(path.relative_to(web_dir)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def is_current(web_dir: Path = WEB_DIR) -> bool:
    stamp = web_dir / DIST / STAMP
    return stamp.is_file() and stamp.read_text().strip() == sources_digest(web_dir)


def node_version() -> tuple[int, ...] | None:
    node = shutil.which("node")
    if node is None:
        return None
    out = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    found = re.match(r"v(\d+)\.(\d+)", out.stdout.strip())
    return (int(found[1]), int(found[2])) if found else None


def ensure_built(web_dir: Path = WEB_DIR, echo: Callable[[str], None] = print) -> Path:
    """The built app's folder, built first when its sources changed since the last build.

    Installs the locked packages (``npm ci``) when ``node_modules`` is missing or older
    than the lock file. Raises :class:`WebBuildError` when Node.js or npm is missing or
    too old, or the build fails."""
    dist = web_dir / DIST
    if not (web_dir / "package.json").is_file():
        raise WebBuildError(
            f"the web app's sources are not in {web_dir} (an installed copy of movierec runs"
            " the APIs only; the edge image carries the app)"
        )
    if is_current(web_dir):
        return dist
    version, npm = node_version(), shutil.which("npm")
    if version is None or npm is None:
        raise WebBuildError(
            "the web app needs Node.js >= 20.19 and npm to build (README: The web app);"
            " the APIs run without it"
        )
    if version < NODE_MIN:
        raise WebBuildError(
            f"the web app needs Node.js >= {NODE_MIN[0]}.{NODE_MIN[1]} to build; this machine"
            f" has {version[0]}.{version[1]} (the APIs run without it)"
        )
    installed = web_dir / "node_modules" / ".package-lock.json"
    lock = web_dir / "package-lock.json"
    if not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime:
        echo("installing the web app's packages (npm ci)…")
        _run([npm, "ci", "--no-audit", "--no-fund"], web_dir)
    echo("building the web app (npm run build)…")
    _run([npm, "run", "build"], web_dir)
    (dist / STAMP).write_text(sources_digest(web_dir) + "\n")
    return dist


def _run(argv: list[str], cwd: Path) -> None:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise WebBuildError(f"`{' '.join(argv[1:])}` failed in {cwd}:\n{tail}")


# -- the one origin ----------------------------------------------------------------------

#: As at the edge: the API documentation is on each API's own port, not the public origin.
_DOCS = re.compile(r"^/[a-z]+/(docs|redoc|openapi\.json)(/|$)")
#: Headers of one connection, never passed on (RFC 9110 §7.6.1).
_HOP = {
    b"connection",
    b"keep-alive",
    b"proxy-authenticate",
    b"proxy-authorization",
    b"te",
    b"trailer",
    b"transfer-encoding",
    b"upgrade",
    b"host",
}
_NOT_FOUND = b'{"status":404,"title":"Not Found","detail":"No service here."}\n'
_BAD_GATEWAY = b'{"status":502,"title":"Bad Gateway","detail":"The service did not answer."}\n'
_NO_APP = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>movierec</title>"
    "<body style='font-family:sans-serif;max-width:40rem;margin:3rem auto'>"
    "<h1>movierec</h1><p>The APIs run, but the web app was not built here: {reason}.</p>"
)
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".woff2": "font/woff2",
}

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


class Origin:
    """An ASGI app: the built web app's files, and the API prefixes proxied to the services.

    ``upstreams`` maps a path prefix (``movies``) to its API's base URL. Paths that are no
    file of the build get ``index.html`` (the app's own routes), except under ``/assets/``:
    as the edge's nginx.conf does."""

    def __init__(self, dist: Path | None, upstreams: dict[str, str], *, no_app: str = "") -> None:
        self.dist = dist.resolve() if dist is not None else None
        self.upstreams = upstreams
        self.no_app = no_app
        self.client: httpx.AsyncClient | None = None
        # The build is small (a few hundred KB): read once here, so requests never touch
        # the disk from the event loop. A new build is served after a restart (which is
        # what `movierec up` does: it builds before it starts the origin).
        self.files: dict[str, bytes] = {}
        if self.dist is not None:
            for file in self.dist.rglob("*"):
                if file.is_file() and file.name != STAMP:
                    self.files["/" + file.relative_to(self.dist).as_posix()] = file.read_bytes()

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        prefix = path.split("/", 2)[1]
        if prefix in self.upstreams:
            if _DOCS.match(path):
                await _respond(send, 404, _NOT_FOUND, "application/problem+json")
            else:
                await self._proxy(scope, receive, send, self.upstreams[prefix])
        elif path == "/healthz":
            await _respond(send, 200, b"ok\n", "text/plain")
        elif scope["method"] not in ("GET", "HEAD"):
            await _respond(send, 405, b"", "text/plain")
        else:
            await self._file(path, send, head=scope["method"] == "HEAD")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.client = httpx.AsyncClient(
                    timeout=httpx.Timeout(60.0, connect=5.0),
                    limits=httpx.Limits(max_connections=256, max_keepalive_connections=64),
                    follow_redirects=False,
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.client is not None:
                    await self.client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _proxy(self, scope: dict[str, Any], receive: Receive, send: Send, base: str) -> None:
        assert self.client is not None, "the origin serves after its lifespan started"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        client = scope.get("client") or ("", 0)
        headers = [(k, v) for k, v in scope["headers"] if k not in _HOP]
        headers += [
            (b"x-forwarded-for", client[0].encode()),
            (b"x-forwarded-proto", scope.get("scheme", "http").encode()),
        ]
        url = (
            base
            + scope["raw_path"].decode()
            + ("?" + scope["query_string"].decode() if scope["query_string"] else "")
        )
        request = self.client.build_request(scope["method"], url, headers=headers, content=body)
        try:
            response = await self.client.send(request, stream=True)
        except httpx.HTTPError:
            detail = (
                b'{"status":502,"title":"Bad Gateway","detail":"The service did not answer."}\n'
            )
            await _respond(send, 502, detail, "application/problem+json")
            return
        try:
            out = [(k, v) for k, v in response.headers.raw if k.lower() not in _HOP]
            await send(
                {"type": "http.response.start", "status": response.status_code, "headers": out}
            )
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.aclose()

    async def _file(self, path: str, send: Send, *, head: bool) -> None:
        if self.dist is None:
            page = _NO_APP.format(reason=html.escape(self.no_app or "see the log of `movierec up`"))
            await _respond(send, 503, page.encode(), _TYPES[".html"])
            return
        name = path if path in self.files else None
        if name is None:
            # A missing asset, not a page of the app; the build's stamp is not served.
            if path.startswith("/assets/") or path == f"/{STAMP}":
                await _respond(send, 404, _NOT_FOUND, "application/problem+json")
                return
            name = "/index.html"
        # Built assets carry their content's hash in their names: cached for good. The
        # page itself is asked again every time, so a new build is seen at once.
        immutable = name.startswith("/assets/")
        cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
        body = self.files[name]
        kind = _TYPES.get(Path(name).suffix, "application/octet-stream")
        await _respond(send, 200, b"" if head else body, kind, cache=cache, length=len(body))


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    kind: str,
    *,
    cache: str = "no-store",
    length: int | None = None,
) -> None:
    headers = [
        (b"content-type", kind.encode()),
        (b"content-length", str(len(body) if length is None else length).encode()),
        (b"cache-control", cache.encode()),
        (b"x-content-type-options", b"nosniff"),
    ]
    if kind.startswith("text/html"):
        headers += [
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"content-security-policy", CSP.encode()),
        ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


#: Nothing leaves the origin: scripts, styles, images and requests from 'self' only.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none';"
    " base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
