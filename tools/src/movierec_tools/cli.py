"""``movierec``: the operator's command (bench, contracts, keygen; up/seed/status later)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from movierec_common.events.schema import write_schemas
from movierec_common.keys import generate_keypair
from movierec_tools.bench import CASES, run_bench


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
    help="Cases to run (repeatable); default: all.",
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
    output = asyncio.run(
        run_bench(
            cases=list(cases) or list(CASES),
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


def main() -> None:
    cli()
