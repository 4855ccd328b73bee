"""The Swarm stack files, the edge config and the Dockerfile: valid for `docker stack
config` (the docker client, no daemon), shaped as the deployment needs them, and in step
with the installed services' specs (names, processes, URL prefixes)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from movierec_common.service import service_specs

ROOT = Path(__file__).resolve().parents[2]
STACKS = ROOT / "stacks"
SPECS = service_specs()
DEPLOYS = [
    ("infra.yml",),
    ("app.yml",),
    ("edge.yml",),
    ("seed.yml",),
    ("infra.yml", "local-infra.yml"),
    ("app.yml", "local-app.yml"),
    ("edge.yml", "local-edge.yml"),
]


def stack_config(*files: str) -> dict:
    docker = shutil.which("docker")
    assert docker, "the docker client is needed to validate the stack files"
    args = [docker, "stack", "config"]
    for name in files:
        args += ["-c", str(STACKS / name)]
    done = subprocess.run(args, capture_output=True, text=True, check=False, cwd=STACKS)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


@pytest.mark.parametrize("files", DEPLOYS, ids="+".join)
def test_docker_stack_config_accepts_every_stack_file(files):
    assert stack_config(*files)["services"]


def test_the_app_stack_runs_every_process_of_every_service_and_nothing_else():
    services = stack_config("app.yml")["services"]
    expected = {f"{spec.name}-{role}" for spec in SPECS for role in spec.roles}
    assert set(services) - {"migrate"} == expected
    local = stack_config("app.yml", "local-app.yml")["services"]
    assert set(local) - {"migrate"} == expected
    for spec in SPECS:
        name = spec.name
        for role in spec.roles:
            service = services[f"{name}-{role}"]
            command = "serve" if role == "api" else role
            assert service["command"][:2] == [f"movierec-{name}", command]
            assert service["healthcheck"]["test"], f"{name}-{role} has no health check"
            deploy = service["deploy"]
            assert deploy["restart_policy"]["condition"] == "any"
            assert deploy["resources"]["limits"]["memory"]
        api = services[f"{name}-api"]
        assert api["deploy"]["replicas"] >= 2
        assert api["deploy"]["update_config"]["order"] == "start-first"
        assert api["deploy"]["update_config"]["failure_action"] == "rollback"
        assert "/healthz" in " ".join(api["healthcheck"]["test"])
        assert services[f"{name}-beat"]["deploy"]["replicas"] == 1
    # Migrations once per deploy, not once per replica, of every service.
    assert services["migrate"]["deploy"]["mode"] == "replicated-job"
    assert f"for s in {' '.join(s.name for s in SPECS)};" in services["migrate"]["command"][-1]


def test_no_secret_is_written_in_a_stack_file():
    for path in STACKS.glob("*.yml"):
        text = path.read_text()
        assert "PASSWORD:" not in text.replace("PASSWORD_FILE:", ""), path
    app = stack_config("app.yml")
    assert {"jwt_signing_key", "jwks", "postgres_password", "rabbitmq_password"} <= set(
        app["secrets"]
    )
    assert all(secret.get("external") for secret in app["secrets"].values())
    auth = app["services"]["auth-api"]
    assert auth["environment"]["MOVIEREC_AUTH_SIGNING_KEY"] == "/run/secrets/jwt_signing_key"
    assert "jwt_signing_key" not in {s["source"] for s in app["services"]["movies-api"]["secrets"]}


def test_the_edge_routes_every_public_prefix_to_its_service():
    conf = (STACKS / "edge" / "nginx.conf").read_text()
    for spec in SPECS:
        assert f"location /{spec.prefix}/ {{ proxy_pass ${spec.name}; }}" in conf
    local = stack_config("edge.yml", "local-edge.yml")["services"]["edge"]
    assert local["ports"][0]["mode"] == "host"
    assert local["deploy"]["endpoint_mode"] == "dnsrr"


def test_the_images_are_built_from_the_specs_and_never_carry_the_test_kit():
    """The Dockerfile lists no service (the operator image installs every wheel built),
    and the wheels built for images never include the dev-only test kit."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    for spec in SPECS:
        assert f"movierec-{spec.name} " not in dockerfile
    build = (ROOT / "tools" / "build-wheels").read_text()
    assert "movierec_testkit" in build and "rm -f" in build
