"""deploy/docker/Dockerfile, checked statically (no Docker engine runs on the test machines)."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.deploy.conftest import PORTS, SERVICES
from tests.support.helm import REPO

DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"


def stages() -> dict[str, list[str]]:
    """Instructions of each named stage, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    result: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, flags=re.I)
        if match:
            current = result.setdefault(match.group(2) or match.group(1), [])
            current.append(line)
        else:
            current.append(line)
    return result


def test_a_target_per_service() -> None:
    found = stages()
    for service in SERVICES:
        instructions = found[service]
        assert instructions[0] == f"FROM runtime AS {service}"
        assert f'CMD ["ko-{service}"]' in instructions
        assert f"EXPOSE {PORTS[service]}" in instructions
        assert any(f"KO_HTTP_PORT={PORTS[service]}" in i for i in instructions)
        users = [i for i in instructions if i.startswith("USER ")]
        assert not users or users[-1] == "USER 10001:10001", f"{service} must end as the non-root user"
    assert list(found)[-1] == "gateway", "a build without --target gives the gateway"


def test_runtime_is_non_root_with_healthcheck() -> None:
    runtime = stages()["runtime"]
    assert runtime[0] == "FROM ${PYTHON_IMAGE} AS runtime"
    assert "USER 10001:10001" in runtime
    assert any(i.startswith("HEALTHCHECK") and "ko-healthcheck" in i for i in runtime)
    assert 'ENTRYPOINT ["/usr/bin/tini", "--"]' in runtime
    assert any("KO_ENV=production" in i for i in runtime)
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in DOCKERFILE.read_text()


def test_console_and_tools() -> None:
    found = stages()
    assert any("npm run build" in i for i in found["console"])
    assert "COPY --from=console /src/frontend/dist /app/frontend/dist" in found["gateway"]
    assert any("openssh-client" in i and "sshpass" in i for i in found["deployment"])
    assert any(i.startswith("COPY --from=terraform") for i in found["provisioning"])


def test_nothing_downloaded_outside_package_managers() -> None:
    text = DOCKERFILE.read_text()
    assert not re.search(r"\b(curl|wget)\b", text)
    assert not re.search(r"^\s*ADD\s+https?://", text, flags=re.M)


def test_dockerignore_keeps_secrets_and_state_out() -> None:
    ignored = (DOCKERFILE.parent / "Dockerfile.dockerignore").read_text().split()
    for pattern in (".env", ".git", ".venv", ".tools", "var", "**/node_modules"):
        assert pattern in ignored


def test_healthcheck_script_reports_failure() -> None:
    """Nothing listens on the port: the script exits 1 (and says why) instead of hanging."""
    script = DOCKERFILE.parent / "healthcheck.py"
    result = subprocess.run(
        [sys.executable, str(script)], env={"KO_HTTP_PORT": "9"}, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1
    assert "unhealthy" in result.stderr
