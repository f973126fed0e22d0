"""Fixtures for the deployment-file tests: a real helm and a renderer of the chart."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.helm import REPO, helm_binary

CHART = REPO / "charts" / "kubeoperator"
SERVICES = ("gateway", "inventory", "provisioning", "deployment", "observability", "backup")
ROUTED = ("inventory", "provisioning", "deployment", "observability", "backup")
PORTS = {
    "gateway": 8080,
    "inventory": 8081,
    "provisioning": 8082,
    "deployment": 8083,
    "observability": 8084,
    "backup": 8085,
}

Helm = Callable[..., subprocess.CompletedProcess[str]]
Render = Callable[..., list[dict[str, Any]]]


@pytest.fixture(scope="session")
def helm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Helm]:
    """Run helm with its config, cache and data in a temp dir and no kubeconfig: nothing of the
    developer's helm setup is read or written, and no cluster is contacted."""
    binary = helm_binary()
    home = tmp_path_factory.mktemp("helm-home")
    env = {
        **os.environ,
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_DATA_HOME": str(home / "data"),
        "KUBECONFIG": str(home / "no-kubeconfig"),
    }

    def run(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(binary), *map(str, args)], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        if check and result.returncode != 0:
            pytest.fail(f"helm {' '.join(map(str, args))} failed ({result.returncode}):\n{result.stderr}")
        return result

    yield run


@pytest.fixture(scope="session")
def render(helm: Helm) -> Render:
    """``helm template`` the chart and return its objects, parsed."""

    def _render(*args: str | Path, release: str = "ko") -> list[dict[str, Any]]:
        out = helm("template", release, CHART, "--namespace", "kubeoperator", *args).stdout
        return [doc for doc in yaml.safe_load_all(out) if doc]

    return _render


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def component(obj: dict[str, Any]) -> str:
    return str(obj["metadata"]["labels"]["app.kubernetes.io/component"])


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return dict(containers[0])


def env_of(deployment: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container(deployment).get("env", [])}
