"""The Swarm stack files, the edge config and the Dockerfile: valid for `docker stack
config` (the docker client, no daemon), shaped as the deployment needs them, and in step
with the installed services' specs (names, processes, URL prefixes)."""

from __future__ import annotations

import os
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
    ("infra-ha.yml",),
    ("app.yml", "local-app.yml"),
    ("edge.yml", "local-edge.yml"),
]


def stack_config(*files: str, **environment: str) -> dict:
    """The stack as `docker stack config` resolves it (``environment``: variables set)."""
    docker = shutil.which("docker")
    assert docker, "the docker client is needed to validate the stack files"
    args = [docker, "stack", "config"]
    for name in files:
        args += ["-c", str(STACKS / name)]
    done = subprocess.run(
        args,
        capture_output=True,
        text=True,
        check=False,
        cwd=STACKS,
        env={**os.environ, **environment},
    )
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


def _secrets(service: dict) -> set[str]:
    return {s["source"] for s in service.get("secrets", [])}


def test_least_privilege_every_process_its_own_role_and_only_the_secrets_it_uses():
    services = stack_config("app.yml")["services"]
    for spec in SPECS:
        name = spec.name
        for role in spec.roles:
            service = services[f"{name}-{role}"]
            env = service["environment"]
            prefix = f"MOVIEREC_{name.upper()}_DATABASE"
            assert env[f"{prefix}_URL"].startswith(f"postgresql://movierec_{name}@")
            assert env[f"{prefix}_PASSWORD_FILE"] == f"/run/secrets/{name}_db_password"
            # The administrator's password is the migrate job's only.
            assert "MOVIEREC_POSTGRES_PASSWORD_FILE" not in env
            expected = {f"{name}_db_password", "redis_password", "rabbitmq_password"}
            if role == "api":
                expected.add("jwks")  # verifies access tokens
            if (name, role) == ("auth", "api"):
                expected.add("jwt_signing_key")  # the one process that signs them
            assert _secrets(service) == expected, f"{name}-{role}"
            assert service["read_only"] is True
            assert service["cap_drop"] == ["ALL"]
            assert any(v["type"] == "tmpfs" and v["target"] == "/tmp" for v in service["volumes"])
    migrate = services["migrate"]
    assert "postgres_password" in _secrets(migrate)
    assert {f"{spec.name}_db_password" for spec in SPECS} <= _secrets(migrate)
    seed = stack_config("seed.yml")["services"]["seed"]
    assert "postgres_password" not in _secrets(seed)  # it writes as each service's role
    infra = stack_config("infra.yml")
    # The network is the operator's (encrypted where the kernel can): every stack joins it.
    for name in ("infra.yml", "app.yml", "edge.yml", "seed.yml"):
        assert stack_config(name)["networks"]["movierec"]["external"] is True
    # Sessions of clients on a lost node end soon (their locks with them).
    assert "tcp_keepalives_idle=10" in infra["services"]["postgres"]["command"]
    redis = infra["services"]["redis"]
    assert "--requirepass" in redis["command"][-1] and "redis_password" in _secrets(redis)


def test_the_edge_serves_https_only_with_modern_tls_and_no_api_docs():
    conf = (STACKS / "edge" / "nginx.conf").read_text()
    assert "listen 8443 ssl" in conf
    assert "return 301 https://$host$request_uri;" in conf
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in conf
    assert 'add_header Strict-Transport-Security "max-age=63072000" always;' in conf
    assert "location ~ ^/[a-z]+/(docs|redoc|openapi\\.json)(/|$)" in conf
    assert "limit_req zone=credentials" in conf and "limit_req zone=per_address" in conf
    edge = stack_config("edge.yml")["services"]["edge"]
    assert _secrets(edge) == {"edge_tls_cert", "edge_tls_key"}
    assert {p["target"] for p in edge["ports"]} == {8080, 8443}


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


def test_the_replicated_data_tier_puts_each_member_on_its_own_node():
    services = stack_config("infra-ha.yml")["services"]
    placements = {}
    for name in ("postgres-1", "postgres-2", "pg-monitor"):
        service = services[name]
        deploy = service["deploy"]
        assert deploy["replicas"] == 1
        # Clients reach the task itself: a vanished primary's name stops resolving.
        assert deploy["endpoint_mode"] == "dnsrr"
        (constraint,) = deploy["placement"]["constraints"]
        placements[name] = constraint
        assert {"postgres_password", "postgres_replication_password"} <= _secrets(service)
        assert service["environment"]["PG_ROLE"] == ("monitor" if name == "pg-monitor" else "node")
        assert service["environment"]["PG_HOSTNAME"] == name
    assert len(set(placements.values())) == 3, placements
    assert "postgres" not in services
    members = [f"rabbitmq-{i}" for i in (1, 2, 3)]
    rabbit_placements = set()
    for name in members:
        service = services[name]
        assert service["hostname"] == name  # its Erlang node name: rabbit@<name>
        assert service["environment"]["RABBITMQ_CLUSTER_NODES"] == " ".join(members)
        assert {"rabbitmq_password", "rabbitmq_erlang_cookie"} <= _secrets(service)
        assert service["deploy"]["endpoint_mode"] == "dnsrr"
        rabbit_placements.add(service["deploy"]["placement"]["constraints"][0])
    assert len(rabbit_placements) == 3
    assert "rabbitmq" not in services
    # The app reaches whichever node is the primary when told where both are.
    app = stack_config(
        "app.yml",
        POSTGRES_ADDRESS="postgres-1:5432,postgres-2:5432",
        POSTGRES_OPTIONS="?target_session_attrs=read-write",
        AMQP_QUEUE_TYPE="quorum",
    )
    env = app["services"]["ratings-api"]["environment"]
    assert env["MOVIEREC_AMQP_QUEUE_TYPE"] == "quorum"
    assert env["MOVIEREC_RATINGS_DATABASE_URL"] == (
        "postgresql://movierec_ratings@postgres-1:5432,postgres-2:5432/movierec_ratings"
        "?target_session_attrs=read-write"
    )
