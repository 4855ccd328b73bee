"""``movierec``: the operator's command (up, seed, status, journey, load, bench, contracts,
openapi, web, keygen, tls-cert)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from movierec_common import aio
from movierec_common.events.schema import write_schemas
from movierec_common.keys import generate_keypair
from movierec_common.settings import CommonSettings
from movierec_tools import status as status_report
from movierec_tools.bench import CASES, DEFAULT_CASES, run_bench
from movierec_tools.journey import Journey, JourneyError, Urls
from movierec_tools.load import format_report, run_load, write_report
from movierec_tools.platform import services
from movierec_tools.simulate import SimulationError, format_results, simulate
from movierec_tools.tls import self_signed
from movierec_tools.up import SetupError, find_seed_source, main_up, platform_env
from movierec_tools.up import seed as run_seed
from movierec_tools.web import Origin, WebBuildError, ensure_built, write_openapi


@click.group(help="movierec: run, seed, inspect and benchmark the platform.")
def cli() -> None:
    pass


@cli.command(
    help="Benchmark the platform against a bare FastAPI endpoint measured in the same run."
)
@click.option(
    "--case",
    "cases",
    multiple=True,
    type=click.Choice(sorted(CASES)),
    help="Cases to run (repeatable); default: all but platform-writes, which measures the"
    " platform `movierec up` runs here.",
)
@click.option(
    "--duration", type=float, default=5.0, show_default=True, help="Seconds per HTTP case."
)
@click.option("--connections", type=int, default=32, show_default=True)
@click.option("--max-requests", type=int, default=200_000, show_default=True, help="Cap per case.")
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON.")
def bench(
    cases: tuple[str, ...], duration: float, connections: int, max_requests: int, as_json: bool
) -> None:
    if not 0.5 <= duration <= 120:
        raise click.BadParameter("must be between 0.5 and 120 seconds", param_hint="--duration")
    if not 1 <= connections <= 512:
        raise click.BadParameter("must be between 1 and 512", param_hint="--connections")
    output = aio.run(
        run_bench(
            cases=list(cases) or DEFAULT_CASES,
            duration=duration,
            connections=connections,
            max_requests=max_requests,
            as_json=as_json,
        )
    )
    click.echo(output)


@cli.command(help="Regenerate the committed JSON Schemas of the event contracts.")
@click.option("--write", is_flag=True, required=True, help="Write the schema files.")
def contracts(write: bool) -> None:
    for path in write_schemas():
        click.echo(f"wrote {path}")


@cli.command(
    help="Regenerate the services' OpenAPI documents the web app's typed client is generated"
    " from (packages/web/openapi/; then `npm run generate` in packages/web)."
)
@click.option("--write", is_flag=True, required=True, help="Write the documents.")
def openapi(write: bool) -> None:
    for path in write_openapi():
        click.echo(f"wrote {path}")


@cli.command(
    name="build-web",
    help="Build the web app (packages/web/dist) if its sources changed since the last build:"
    " what `movierec up` does first; the edge image copies the result.",
)
def build_web() -> None:
    try:
        dist = ensure_built(echo=click.echo)
    except WebBuildError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"the web app is built: {dist}")


@cli.command(
    help="Serve a built web app and pass the API prefixes to the services: the one origin"
    " `movierec up` runs at its port base."
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option(
    "--dist",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The built app (packages/web/dist); without it the APIs only.",
)
@click.option(
    "--upstream",
    "upstreams",
    multiple=True,
    required=True,
    metavar="PREFIX=URL",
    help="A path prefix and its API's base URL, e.g. movies=http://127.0.0.1:8002.",
)
@click.option("--no-app-reason", default="", help="Said on the page when there is no --dist.")
def web(
    host: str, port: int, dist: Path | None, upstreams: tuple[str, ...], no_app_reason: str
) -> None:
    import uvicorn  # noqa: PLC0415 - only this command serves HTTP

    routes = dict(u.split("=", 1) for u in upstreams if "=" in u)
    if len(routes) != len(upstreams):
        raise click.BadParameter("expected PREFIX=URL", param_hint="--upstream")
    app = Origin(dist, {k: v.rstrip("/") for k, v in routes.items()}, no_app=no_app_reason)
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, server_header=False)


@cli.command(help="Generate a JWT signing key and add its public key to a JWKS file.")
@click.option(
    "--private-key",
    type=click.Path(path_type=Path),
    default=Path(".movierec/signing-key.pem"),
    show_default=True,
)
@click.option(
    "--jwks",
    type=click.Path(path_type=Path),
    default=Path(".movierec/jwks.json"),
    show_default=True,
)
@click.option(
    "--algorithm", type=click.Choice(["EdDSA", "RS256"]), default="EdDSA", show_default=True
)
def keygen(private_key: Path, jwks: Path, algorithm: str) -> None:
    jwk = generate_keypair(private_key, jwks, algorithm=algorithm)
    click.echo(f"wrote {private_key} and {jwks} (kid {jwk['kid']})")


@cli.command(
    "tls-cert",
    help="Make a self-signed TLS certificate and key for the edge, for local use and tests"
    ' (production: a certificate from a real authority, README "TLS at the edge").',
)
@click.option(
    "--cert",
    type=click.Path(path_type=Path),
    default=Path(".movierec/edge-cert.pem"),
    show_default=True,
)
@click.option(
    "--key",
    type=click.Path(path_type=Path),
    default=Path(".movierec/edge-key.pem"),
    show_default=True,
)
@click.option(
    "--host",
    "hosts",
    multiple=True,
    default=("localhost", "127.0.0.1"),
    show_default=True,
    help="A DNS name or IP address the certificate is for (repeat the option).",
)
@click.option("--days", type=click.IntRange(1, 398), default=90, show_default=True)
def tls_cert(cert: Path, key: Path, hosts: tuple[str, ...], days: int) -> None:
    self_signed(cert, key, list(hosts), days=days)
    click.echo(f"wrote {cert} and {key} (for {', '.join(hosts)}; valid {days} days)")


DataOption = click.option(
    "--data",
    type=click.Path(path_type=Path),
    default=None,
    help="MovieLens folder (default: $MOVIEREC_DATA, data/ml-latest-small,"
    " ../shared/data/ml-latest-small).",
)
ImdbOption = click.option(
    "--imdb",
    type=click.Path(path_type=Path),
    default=None,
    help="IMDb top-1000 CSV (default: <data>/../imdb-top-1000/imdb_top_1000.csv if present).",
)
StateOption = click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".movierec"),
    show_default=True,
    help="Keys and the running platform's state (gitignored).",
)


@cli.command(help="Run the whole platform here: every service's processes, seeded demo data.")
@DataOption
@ImdbOption
@click.option(
    "--port-base",
    type=click.IntRange(1024, 65000),
    default=8000,
    show_default=True,
    help="Services listen on N+1…N+5: auth, movies, history, ratings, recs.",
)
@click.option("--no-seed", is_flag=True, help="Do not load the demo data.")
@click.option(
    "--demo-users/--no-demo-users",
    default=True,
    show_default=True,
    help="Seed the MovieLens users as demo accounts, with their ratings and watches; the"
    " banner shows their password, new at every start.",
)
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="INFO",
    show_default=True,
)
@StateOption
def up(
    data: Path | None,
    imdb: Path | None,
    port_base: int,
    no_seed: bool,
    demo_users: bool,
    log_level: str,
    state_dir: Path,
) -> None:
    main_up(
        data=data,
        imdb=imdb,
        port_base=port_base,
        seed_data=not no_seed,
        demo_users=demo_users,
        log_level=log_level.upper(),
        state_dir=state_dir,
    )


@cli.command(
    help="Load the catalog into a running platform; with --demo-users also the MovieLens"
    " users as demo accounts with their ratings and watches (each step is idempotent)."
)
@DataOption
@ImdbOption
@StateOption
@click.option(
    "--demo-users",
    is_flag=True,
    help="Also create the demo accounts (one password, MOVIEREC_DEMO_PASSWORD or generated"
    " and printed once), their ratings and watches, and train the first model.",
)
def seed(data: Path | None, imdb: Path | None, state_dir: Path, demo_users: bool) -> None:
    source = find_seed_source(data, imdb)
    if source is None:
        raise SetupError("no MovieLens data folder found: pass --data DIR or set MOVIEREC_DATA")
    env = platform_env(state_dir, "INFO")
    seeded = aio.run(run_seed(CommonSettings(), services(), env, source, demo_users=demo_users))
    click.echo(f"seeded in {seeded.describe()}")
    if seeded.demo_password is not None and "MOVIEREC_DEMO_PASSWORD" not in env:
        click.echo(f"demo password (printed once, not stored): {seeded.demo_password}")


@cli.command(help="Processes, services, queue depths, backlogs, dead letters, the model.")
@StateOption
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def status(state_dir: Path, as_json: bool) -> None:
    report = aio.run(status_report.collect(status_report.read_state(state_dir / "up.json")))
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(status_report.render(report))


@cli.command(help="Walk the user journey over HTTP against a running platform.")
@click.option("--base-url", help="One URL for every service (an edge proxy).")
@click.option("--port-base", type=int, default=None, help="Local services on N+1…N+5.")
@click.option("--auth-url")
@click.option("--movies-url")
@click.option("--history-url")
@click.option("--ratings-url")
@click.option("--recs-url")
@click.option(
    "--admin-email", envvar="MOVIEREC_JOURNEY_ADMIN_EMAIL", help="Also walk the admin part."
)
@click.option("--admin-password", envvar="MOVIEREC_JOURNEY_ADMIN_PASSWORD")
@click.option(
    "--settle", type=float, default=20.0, show_default=True, help="Seconds to wait for each effect."
)
def journey(
    base_url: str | None,
    port_base: int | None,
    auth_url: str | None,
    movies_url: str | None,
    history_url: str | None,
    ratings_url: str | None,
    recs_url: str | None,
    admin_email: str | None,
    admin_password: str | None,
    settle: float,
) -> None:
    if base_url:
        urls = Urls.single(base_url)
    elif auth_url and movies_url and history_url and ratings_url and recs_url:
        urls = Urls(auth_url, movies_url, history_url, ratings_url, recs_url)
    else:
        base = port_base or 8000
        urls = Urls(*(f"http://127.0.0.1:{base + i}" for i in range(1, 6)))
    admin = (admin_email, admin_password) if admin_email and admin_password else None
    walk = Journey(urls, admin=admin, settle=settle)
    try:
        steps = aio.run(walk.run())
    except JourneyError as exc:
        for name, seconds in walk.steps:
            click.echo(f"ok    {seconds:6.2f} s  {name}")
        raise click.ClickException(f"journey failed: {exc}") from exc
    for name, seconds in steps:
        click.echo(f"ok    {seconds:6.2f} s  {name}")
    click.echo(
        "the journey succeeded" + ("" if admin else " (admin part skipped: no --admin-email)")
    )


@cli.command(help="A steady load of synthetic users through the edge, for failure drills.")
@click.option(
    "--base-url",
    "base_urls",
    multiple=True,
    required=True,
    help="An edge address; repeat it for one per node (tried in turn when one fails).",
)
@click.option("--users", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option(
    "--duration", type=click.FloatRange(min=1), help="Seconds; default: until SIGINT or SIGTERM."
)
@click.option(
    "--windows",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The drill's windows, reported each: lines '<name> <start> <end>' (epoch seconds).",
)
@click.option(
    "--report", type=click.Path(dir_okay=False, path_type=Path), help="Also write it as JSON."
)
def load(
    base_urls: tuple[str, ...],
    users: int,
    duration: float | None,
    windows: Path | None,
    report: Path | None,
) -> None:
    result = aio.run(run_load(list(base_urls), users=users, duration=duration, windows=windows))
    click.echo(format_report(result))
    if report is not None:
        write_report(result, report)
    if result["missing"]:
        raise click.ClickException("acknowledged writes are missing")


@cli.command(
    "simulate",
    help="Replay MovieLens users as visitors through a running platform's HTTP API, in an"
    " experiment of hybrid against popular (created and started unless --experiment names"
    " one), and print its results.",
)
@click.option(
    "--base-url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="One origin serving every service's prefix (the web origin or the edge).",
)
@click.option(
    "--data",
    "data_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A MovieLens folder (its ratings.csv).",
)
@click.option(
    "--admin-email",
    envvar="MOVIEREC_ADMIN_EMAIL",
    required=True,
    help="An admin account (env MOVIEREC_ADMIN_EMAIL).",
)
@click.option(
    "--admin-password",
    envvar="MOVIEREC_ADMIN_PASSWORD",
    required=True,
    help="Its password (env MOVIEREC_ADMIN_PASSWORD).",
)
@click.option("--users", type=click.IntRange(1, 5000), default=100, show_default=True)
@click.option(
    "--act-on",
    type=click.IntRange(1, 500),
    default=30,
    show_default=True,
    help="Ratings of their own each visitor gives before the sessions.",
)
@click.option("--sessions", type=click.IntRange(1, 50), default=3, show_default=True)
@click.option(
    "--seconds",
    type=click.FloatRange(min=1),
    default=600,
    show_default=True,
    help="No visitor starts, and no session, after this.",
)
@click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option(
    "--experiment",
    "experiment_id",
    type=click.IntRange(min=1),
    help="Use this running experiment instead of creating one.",
)
@click.option("--keep-running", is_flag=True, help="Leave the experiment running at the end.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def simulate_command(
    base_url: str,
    data_dir: Path,
    admin_email: str,
    admin_password: str,
    users: int,
    act_on: int,
    sessions: int,
    seconds: float,
    concurrency: int,
    seed: int,
    experiment_id: int | None,
    keep_running: bool,
    as_json: bool,
) -> None:
    if not (data_dir / "ratings.csv").is_file():
        raise click.ClickException(f"{data_dir / 'ratings.csv'} not found")
    try:
        results = aio.run(
            simulate(
                base_url.rstrip("/"),
                data_dir,
                admin_email=admin_email,
                admin_password=admin_password,
                users=users,
                act_on=act_on,
                sessions=sessions,
                seconds=seconds,
                concurrency=concurrency,
                seed=seed,
                experiment_id=experiment_id,
                stop=not keep_running,
            )
        )
    except SimulationError as error:
        raise click.ClickException(str(error)) from error
    click.echo(json.dumps(results, indent=2, default=str) if as_json else format_results(results))


def main() -> None:
    cli()
