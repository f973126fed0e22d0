"""docker-compose.yml and its example .env: structure, secrets, and `docker compose config`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from ko_common.settings import Settings, check_not_placeholder
from tests.deploy.conftest import PORTS, ROUTED, SERVICES
from tests.support.helm import REPO

COMPOSE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / "deploy" / "compose.env.example"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text()))


def example_env() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines() if re.match(r"^[A-Z_]+=", line))
    return {k: v for k, v in pairs}


def test_services_and_backing_servers(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {*SERVICES, "nats", "postgres"}
    assert services["nats"]["image"].startswith("${NATS_IMAGE:-nats:2.10")
    assert "-js" in services["nats"]["command"]
    assert services["postgres"]["image"].endswith(":-postgres:15}")
    for backing in ("nats", "postgres"):
        assert services[backing]["healthcheck"]["test"], backing
        assert services[backing]["volumes"], f"{backing} keeps its data in a volume"


def test_only_the_gateway_publishes_a_port(compose: dict[str, Any]) -> None:
    published = {name for name, service in compose["services"].items() if service.get("ports")}
    assert published == {"gateway"}
    assert compose["services"]["gateway"]["ports"] == ["${GATEWAY_PORT:-8080}:8080"]


def test_every_service_is_configured(compose: dict[str, Any]) -> None:
    for name in SERVICES:
        service = compose["services"][name]
        env = service["environment"]
        assert env["KO_ENV"] == "production", name
        assert env["KO_NATS_URL"] == "nats://nats:4222", name
        assert env["KO_DATABASE_URL"].startswith("postgresql+asyncpg://"), name
        assert "@postgres:5432/" in env["KO_DATABASE_URL"], name
        assert env["KO_IDENTITY_KEY"].startswith("${KO_IDENTITY_KEY:?"), name
        assert ("KO_SECRET_KEY" in env) == (name in {"inventory", "deployment", "observability", "backup"}), name
        assert ("KO_ADMIN_PASSWORD" in env) == (name == "gateway"), name
        assert service["build"]["target"] == name
        assert service["build"]["dockerfile"] == "deploy/docker/Dockerfile"
        for backing in ("nats", "postgres"):
            assert service["depends_on"][backing] == {"condition": "service_healthy"}, name
    gateway = compose["services"]["gateway"]
    for name in ROUTED:
        assert gateway["environment"][f"KO_{name.upper()}_URL"] == f"http://{name}:{PORTS[name]}"
        assert gateway["depends_on"][name] == {"condition": "service_healthy"}


def test_secrets_only_come_from_env(compose: dict[str, Any]) -> None:
    """No secret is written into the compose file: each is a ${VAR:?...} read from .env."""
    for name in SERVICES:
        env = compose["services"][name]["environment"]
        for var in ("KO_IDENTITY_KEY", "KO_SECRET_KEY", "KO_ADMIN_PASSWORD"):
            if var in env:
                assert re.fullmatch(rf"\$\{{{var}:\?[^}}]+\}}", env[var]), f"{name} {var}"
        assert "${POSTGRES_PASSWORD:?" in env["KO_DATABASE_URL"]


def test_example_env_cannot_be_used_as_is() -> None:
    """Every secret in the example is refused: placeholders by the product, empty ones by compose."""
    env = example_env()
    assert set(env) == {
        "KO_IDENTITY_KEY",
        "KO_SECRET_KEY",
        "KO_ADMIN_PASSWORD",
        "POSTGRES_PASSWORD",
        "KO_REPOSITORY_URL",
    }
    for name in ("KO_IDENTITY_KEY", "KO_SECRET_KEY"):
        with pytest.raises(ValueError, match="placeholder"):
            check_not_placeholder(name.removeprefix("KO_").lower(), env[name])
    with pytest.raises(ValidationError, match="KO_IDENTITY_KEY"):
        Settings(env="production", identity_key=env["KO_IDENTITY_KEY"])
    # compose's `:?` refuses empty
    assert env["KO_ADMIN_PASSWORD"] == env["POSTGRES_PASSWORD"] == env["KO_REPOSITORY_URL"] == ""


def compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    result = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30, check=False)
    return result.returncode == 0


@pytest.mark.skipif(not compose_available(), reason="`docker compose version` fails: no compose plugin on this machine")
def test_docker_compose_config(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env = example_env() | {
        "KO_IDENTITY_KEY": "0123456789abcdef0123456789abcdef",
        "KO_SECRET_KEY": "fedcba9876543210fedcba9876543210",
        "KO_ADMIN_PASSWORD": "an-admin-password-for-tests",
        "POSTGRES_PASSWORD": "a1b2c3d4e5f6",
    }
    env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    base = ["docker", "compose", "--project-directory", str(REPO), "-f", str(COMPOSE)]
    subprocess.run([*base, "--env-file", str(env_file), "config", "-q"], check=True, timeout=60)
    # The example as it stands must be refused (empty required values).
    refused = subprocess.run(
        [*base, "--env-file", str(ENV_EXAMPLE), "config", "-q"], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0
    assert "POSTGRES_PASSWORD" in refused.stderr or "KO_ADMIN_PASSWORD" in refused.stderr
