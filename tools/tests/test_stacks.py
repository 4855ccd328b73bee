"""The Swarm stack files: valid for `docker stack config` (the docker client, no daemon),
and shaped as the deployment needs them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

STACKS = Path(__file__).resolve().parents[2] / "stacks"
SERVICES = ("auth", "movies", "history", "ratings", "recs")
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


def test_the_app_stack_runs_every_process_of_every_service():
    services = stack_config("app.yml")["services"]
    for name in SERVICES:
        roles = ("api", "relay", "worker", "beat") + (("consume",) if name != "auth" else ())
        for role in roles:
            service = services[f"{name}-{role}"]
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
    # Migrations once per deploy, not once per replica.
    assert services["migrate"]["deploy"]["mode"] == "replicated-job"


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


def test_the_edge_routes_every_public_prefix():
    conf = (STACKS / "edge" / "nginx.conf").read_text()
    for prefix in ("/auth/", "/movies/", "/history/", "/ratings/", "/recommendations/"):
        assert f"location {prefix} " in conf
    local = stack_config("edge.yml", "local-edge.yml")["services"]["edge"]
    assert local["ports"][0]["mode"] == "host"
    assert local["deploy"]["endpoint_mode"] == "dnsrr"
