"""``movierec up`` and ``movierec seed``: the whole platform on one machine.

``up`` checks the infrastructure, makes the JWT keys on first run, creates and migrates
the five databases, starts every API, relay, consumer, Celery worker and beat as child
processes (see :mod:`movierec_tools.supervisor`), seeds the demo data when the catalog is
empty, waits until every API is ready and prints where everything is. Ctrl-C (SIGINT or
SIGTERM) stops every child.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import httpx
from tqdm import tqdm

from movierec_common import aio
from movierec_common.demo import default_imdb_file, demo_email, resolve_data_dir
from movierec_common.keys import generate_keypair
from movierec_common.operations import queue_depths
from movierec_common.settings import CommonSettings
from movierec_tools.platform import (
    DrainState,
    Service,
    catalog_size,
    check_infrastructure,
    consumer_queues,
    services,
    vacuum_analyze,
    wait_drained,
)
from movierec_tools.processes import console_script
from movierec_tools.supervisor import Supervisor
from movierec_tools.web import WebBuildError, ensure_built

STATE_FILE = "up.json"


class SetupError(click.ClickException):
    pass


@dataclass
class SeedSource:
    data: Path
    imdb: Path | None


def find_seed_source(data: Path | None, imdb: Path | None) -> SeedSource | None:
    """The data folder (``--data``, ``$MOVIEREC_DATA``, the defaults) or None if there is
    none; ``--data`` that does not exist is an error."""
    try:
        folder = resolve_data_dir(data, os.environ.get("MOVIEREC_DATA"))
    except FileNotFoundError as exc:
        if data is not None:
            raise SetupError(str(exc)) from exc
        return None
    if imdb is not None and not imdb.is_file():
        raise SetupError(f"--imdb {imdb}: no such file")
    return SeedSource(folder, imdb or default_imdb_file(folder))


def platform_env(state_dir: Path, log_level: str) -> dict[str, str]:
    """The environment of every child: the keys in the state folder unless configured."""
    state_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("MOVIEREC_AUTH_SIGNING_KEY", str((state_dir / "signing-key.pem").resolve()))
    env.setdefault("MOVIEREC_JWT_PUBLIC_KEYS", str((state_dir / "jwks.json").resolve()))
    env.setdefault("MOVIEREC_LOG_JSON", "false")
    env.setdefault("MOVIEREC_LOG_LEVEL", log_level)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def ensure_keys(env: dict[str, str]) -> bool:
    """Generate the signing key and its JWKS file if the key does not exist yet."""
    private = Path(env["MOVIEREC_AUTH_SIGNING_KEY"])
    if private.is_file():
        return False
    generate_keypair(private, Path(env["MOVIEREC_JWT_PUBLIC_KEYS"]))
    return True


def check_ports(platform: list[Service], port_base: int) -> dict[str, int]:
    """The services' ports: N+1, N+2 … in the order of their default ports (N itself is
    the web app's origin, checked too)."""
    ports = {service.name: port_base + i for i, service in enumerate(platform, start=1)}
    for service, port in [("the web app", port_base), *ports.items()]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError as exc:
                raise SetupError(
                    f"port {port} (for {service}) is taken: stop what uses it or pass"
                    " --port-base N (the web app then uses N, the services N+1…N+5)"
                ) from exc
    return ports


def web_argv(
    platform: list[Service], dist: Path | None, reason: str, port_base: int, ports: dict[str, int]
) -> list[str]:
    """The origin at the port base: the built app, and each service's prefix (its spec's)
    to its API."""
    argv = [console_script("movierec"), "web", "--port", str(port_base)]
    argv += ["--dist", str(dist)] if dist is not None else ["--no-app-reason", reason]
    for service in platform:
        argv += ["--upstream", f"{service.spec.prefix}=http://127.0.0.1:{ports[service.name]}"]
    return argv


def build_web() -> tuple[Path | None, str]:
    """The built app's folder (built now if its sources changed), or why there is none."""
    try:
        return ensure_built(echo=click.echo), ""
    except WebBuildError as exc:
        click.echo(f"warning: {exc}", err=True)
        return None, str(exc).split("\n")[0]


async def run_command(
    service: str, args: list[str], env: dict[str, str], *, quiet: bool = False
) -> None:
    """``movierec-<service> args…`` in its own process group, output to our terminal;
    killed with us."""
    proc = await asyncio.create_subprocess_exec(
        console_script(f"movierec-{service}"),
        *args,
        env=env,
        stdout=asyncio.subprocess.DEVNULL if quiet else None,
        start_new_session=True,
    )
    try:
        code = await proc.wait()
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
        raise
    if code != 0:
        raise SetupError(f"movierec-{service} {' '.join(args)} failed (exit {code})")


async def migrate_all(platform: list[Service], env: dict[str, str]) -> None:
    await asyncio.gather(*(run_command(s.name, ["migrate"], env, quiet=True) for s in platform))


async def barrier(settings: CommonSettings, platform: list[Service], label: str) -> None:
    """Wait until everything published has been consumed, with a progress bar (of outbox
    rows and queued messages: a relay packs runs of events into one message)."""
    bar = tqdm(desc=label, unit="message")

    def show(state: DrainState) -> None:
        if state.pending > (bar.total or 0):
            bar.total = state.pending
        bar.n = (bar.total or 0) - state.pending
        bar.set_postfix(unpublished=state.backlog, queued=state.queued)
        bar.refresh()

    try:
        await wait_drained(settings, platform, progress=show)
    finally:
        bar.close()


async def unconsumed_queues(settings: CommonSettings, platform: list[Service]) -> list[str]:
    states = await queue_depths(settings.amqp_url, consumer_queues(platform))
    return [name for name, s in states.items() if not s.consumers]


async def wait_consumers(
    settings: CommonSettings, platform: list[Service], timeout: float = 180.0
) -> None:
    """Until every consumer queue has its consumer (the children are starting)."""
    deadline = time.monotonic() + timeout
    while missing := await unconsumed_queues(settings, platform):
        if time.monotonic() > deadline:
            raise SetupError(f"no consumer attached to {', '.join(missing)} after {timeout:.0f} s")
        await asyncio.sleep(0.5)


@dataclass(frozen=True)
class Seeded:
    seconds: float
    #: The demo accounts' password, issued by this seeding (None: no demo accounts).
    demo_password: str | None
    #: Seconds per step, in order (what the banner and ``movierec seed`` report).
    steps: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        """ "124 s (movies 3 s, catalog events 5 s, …)"."""
        parts = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in self.steps.items())
        return f"{self.seconds:.0f} s" + (f" ({parts})" if parts else "")


class _Steps:
    """Times the steps of a seeding."""

    def __init__(self) -> None:
        self.started = self._last = time.monotonic()
        self.seconds: dict[str, float] = {}

    def done(self, name: str) -> None:
        now = time.monotonic()
        self.seconds[name] = now - self._last
        self._last = now

    def seeded(self, demo_password: str | None) -> Seeded:
        return Seeded(time.monotonic() - self.started, demo_password, self.seconds)


async def issue_demo_password(env: dict[str, str], source: SeedSource) -> str:
    """Create the demo accounts that are missing and give all of them one password:
    ``MOVIEREC_DEMO_PASSWORD`` if set, else a new one (shown once, never stored)."""
    password = env.get("MOVIEREC_DEMO_PASSWORD") or secrets.token_urlsafe(12)
    demo_env = {**env, "MOVIEREC_DEMO_PASSWORD": password}
    await run_command("auth", ["import-demo-users", "--data", str(source.data)], demo_env)
    return password


async def seed(
    settings: CommonSettings,
    platform: list[Service],
    env: dict[str, str],
    source: SeedSource,
    *,
    demo_users: bool,
) -> Seeded:
    """Movies (+ IMDb), drained; with ``demo_users``: the demo accounts, their ratings and
    watches, drained, and the first training."""
    timer = _Steps()
    steps = 5 if demo_users else 2
    missing = await unconsumed_queues(settings, platform)
    if missing:
        raise SetupError(
            f"no consumer is attached to {', '.join(missing)}: start the platform first"
            " (`uv run movierec up --no-seed`), then seed"
        )
    step = f"seed 1/{steps}: movies"
    click.echo(f"{step} from {source.data}" + (f" + {source.imdb}" if source.imdb else ""))
    movies = ["import", "--data", str(source.data)]
    if source.imdb:
        movies += ["--imdb", str(source.imdb)]
    await run_command("movies", movies, env)
    timer.done("movies")
    await barrier(settings, platform, f"seed 2/{steps}: catalog reaching every service")
    timer.done("catalog events")
    if not demo_users:
        return timer.seeded(None)
    click.echo("seed 3/5: demo users, their ratings and watches")
    data = ["--data", str(source.data)]
    password = await issue_demo_password(env, source)
    timer.done("demo users")
    # One after the other: each import's events then reach the consumers in long runs of
    # one type, which they apply in bulk (interleaved, they would come one by one).
    # Large batches: the import recounts the summaries of each batch's movies once (and
    # announces each), so fewer batches mean fewer movie.rating_summary events.
    await run_command("ratings", ["import", *data, "--batch-size", "20000"], env)
    timer.done("ratings")
    await run_command("history", ["import", *data], env)
    timer.done("watches")
    await barrier(settings, platform, "seed 4/5: ratings and watches reaching every service")
    timer.done("rating and watch events")
    for name, why in (await vacuum_analyze(platform)).items():
        click.echo(f"not vacuumed: {name}'s database ({why}); the platform works without it")
    timer.done("vacuum")
    click.echo("seed 5/5: first training")
    await run_command("recs", ["train"], env)
    timer.done("training")
    return timer.seeded(password)


async def wait_ready(ports: dict[str, int], web_port: int, timeout: float = 180.0) -> None:
    """Until every API is ready and the web app's origin answers."""
    deadline = time.monotonic() + timeout
    waiting = {name: f"http://127.0.0.1:{port}/readyz" for name, port in ports.items()}
    waiting["web"] = f"http://127.0.0.1:{web_port}/healthz"
    async with httpx.AsyncClient(timeout=2) as client:
        while waiting:
            for name, url in list(waiting.items()):
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(url)).status_code == 200:
                        del waiting[name]
            if time.monotonic() > deadline:
                raise SetupError(f"not ready after {timeout:.0f} s: {', '.join(waiting)}")
            await asyncio.sleep(0.3)


def banner(
    platform: list[Service],
    ports: dict[str, int],
    seeded: Seeded | None,
    demo_password: str | None,
    *,
    web: str | None = None,
) -> str:
    took = f" (seeding took {seeded.describe()})" if seeded and seeded.seconds else ""
    lines = ["", f"movierec is ready{took}:"]
    if web is not None:
        lines += [f"  open     {web}   the web app, and every API under one origin", ""]
    for service in platform:
        url = f"http://127.0.0.1:{ports[service.name]}"
        lines.append(f"  {service.name:<8} {url}   docs {url}/{service.spec.prefix}/docs")
    auth = f"http://127.0.0.1:{ports['auth']}"
    lines.append("")
    if demo_password is None:
        lines.append("no demo accounts (--no-seed or --no-demo-users)")
    else:
        lines += [
            f"demo login: {demo_email(1)} / {demo_password}"
            "   (every start issues a new one; MOVIEREC_DEMO_PASSWORD sets it)",
            f"  curl -s -X POST {auth}/auth/login"
            f" -d username={demo_email(1)} -d password={demo_password}",
        ]
    lines += ["", "Ctrl-C stops everything.", ""]
    return "\n".join(lines)


async def up(
    *,
    data: Path | None,
    imdb: Path | None,
    port_base: int,
    seed_data: bool,
    demo_users: bool,
    log_level: str,
    state_dir: Path,
) -> None:
    settings = CommonSettings()
    problems = await check_infrastructure(settings)
    if problems:
        raise SetupError("\n".join(problems))
    env = platform_env(state_dir, log_level)
    if ensure_keys(env):
        click.echo(f"generated the JWT signing key and JWKS in {state_dir}/")
    platform = services()
    ports = check_ports(platform, port_base)
    source = find_seed_source(data, imdb) if seed_data else None
    dist, no_app = await asyncio.to_thread(build_web)
    click.echo(f"migrating the {len(platform)} databases…")
    await migrate_all(platform, env)

    supervisor = Supervisor()
    for service in platform:
        for role in service.spec.roles:
            argv = [console_script(f"movierec-{service.name}")]
            port = None
            if role == "api":
                port = ports[service.name]
                argv += ["serve", "--port", str(port)]
            elif role == "worker":
                argv += ["worker", "--concurrency", "1"]
            else:
                argv.append(role)
            supervisor.add(f"{service.name}-{role}", argv, env, port)
    supervisor.add("web", web_argv(platform, dist, no_app, port_base, ports), env, port_base)
    origin = f"http://127.0.0.1:{port_base}"

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    state_path = state_dir / STATE_FILE
    await supervisor.start()
    write_state(state_path, supervisor, ports)
    try:
        work = asyncio.create_task(
            _start(settings, platform, env, ports, port_base, source, demo_users)
        )
        stopped = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if work in done:
            seeded = work.result()
            click.echo(banner(platform, ports, seeded, seeded.demo_password, web=origin))
            while not stop.is_set():
                # Kept current (restarted children get new pids) for `movierec status`.
                write_state(state_path, supervisor, ports)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 2.0)
        else:
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await work
    finally:
        click.echo("stopping every process…")
        await supervisor.stop()
        clear_state(state_path)
        click.echo("stopped.")


def write_state(path: Path, supervisor: Supervisor, ports: dict[str, int]) -> None:
    """What `movierec status` reads: our pid, the ports, each child's pid."""
    children = {c.name: c.proc.pid for c in supervisor.children if c.proc is not None}
    state = {"pid": os.getpid(), "ports": ports, "children": children}
    path.write_text(json.dumps(state, indent=2))


def clear_state(path: Path) -> None:
    path.unlink(missing_ok=True)


async def _start(
    settings: CommonSettings,
    platform: list[Service],
    env: dict[str, str],
    ports: dict[str, int],
    web_port: int,
    source: SeedSource | None,
    demo_users: bool,
) -> Seeded:
    """Seed an empty platform; on one seeded before, only issue the demo password again."""
    seeded = Seeded(0.0, None)
    if source is not None and await catalog_size(platform) == 0:
        click.echo("waiting for the consumers to attach…")
        await wait_consumers(settings, platform)
        seeded = await seed(settings, platform, env, source, demo_users=demo_users)
    elif source is None:
        click.echo("not seeding (--no-seed, or no data folder found)")
    else:
        click.echo("the catalog is not empty: not seeding again")
        if demo_users:
            seeded = Seeded(0.0, await issue_demo_password(env, source))
    await wait_ready(ports, web_port)
    return seeded


def main_up(**kwargs: Any) -> None:
    try:
        aio.run(up(**kwargs))
    except KeyboardInterrupt:
        sys.exit(130)
