"""The product's Ansible content (playbooks/) passes `ansible-playbook --syntax-check` and
`ansible-lint` at the production profile (.ansible-lint), and operations.yml names only playbooks
that exist. No lab: this runs everywhere, in `make test`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ko_deployment.clusters.phases import phases_of

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / "playbooks"
BIN = Path(sys.executable).parent
ORDER = [
    "base-system", "container-runtime", "kubernetes-components", "load-balancer", "certificates", "etcd",
    "masters", "workers", "network", "coredns", "helm", "metrics-server", "ingress", "post",
]  # fmt: skip


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "ANSIBLE_NOCOLOR": "1"}


def test_operations_name_the_phases_in_the_original_order() -> None:
    assert [p.name for p in phases_of(PLAYBOOKS, "deploy")] == ORDER
    assert [p.name for p in phases_of(PLAYBOOKS, "reset")] == ["reset"]
    index = yaml.safe_load((PLAYBOOKS / "operations.yml").read_text())
    numbered = sorted(p.name for p in PLAYBOOKS.glob("[0-9][0-9]-*.yml"))
    # Every numbered playbook is some kind's phase (Day-2 kinds reuse the deploy's idempotent ones).
    assert sorted({e["playbook"] for kind in index.values() for e in kind}) == numbered
    assert [p.name for p in phases_of(PLAYBOOKS, "add-workers")] == [
        "base-system", "container-runtime", "kubernetes-components", "load-balancer", "workers", "post"]  # fmt: skip
    assert [p.name for p in phases_of(PLAYBOOKS, "remove-workers")] == ["drain", "reset-workers"]
    assert [p.name for p in phases_of(PLAYBOOKS, "renew-certificates")] == ["renew", "post", "certificates-check"]
    rebuild = [p.name for p in phases_of(PLAYBOOKS, "rebuild-worker")]
    assert rebuild == ["drain", "reset-workers"] + [p.name for p in phases_of(PLAYBOOKS, "add-workers")]
    assert [p.name for p in phases_of(PLAYBOOKS, "remove-masters")] == [
        "drain", "etcd-members", "load-balancer", "certificates", "masters", "reset-host", "post"]  # fmt: skip
    assert [p.name for p in phases_of(PLAYBOOKS, "upgrade")] == [
        "preflight", "etcd-snapshot", "packages", "control-plane", "workers"]  # fmt: skip
    assert [p.name for p in phases_of(PLAYBOOKS, "etcd-backup")] == ["etcd-backup", "cleanup"]
    assert [p.name for p in phases_of(PLAYBOOKS, "etcd-restore")] == ["etcd-restore"]
    assert [p.name for p in phases_of(PLAYBOOKS, "monitoring-install")] == [
        "images", "monitoring-crds", "monitoring-prometheus", "monitoring-logs", "monitoring-grafana"]  # fmt: skip
    assert [p.name for p in phases_of(PLAYBOOKS, "monitoring-uninstall")] == ["monitoring-uninstall"]


@pytest.mark.parametrize("playbook", sorted(p.name for p in PLAYBOOKS.glob("[0-9][0-9]-*.yml")))
def test_syntax(playbook: str) -> None:
    r = subprocess.run(
        [str(BIN / "ansible-playbook"), "--syntax-check", "-i", "localhost,", str(PLAYBOOKS / playbook)],
        capture_output=True, text=True, env=_env(), timeout=120, check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr


def test_ansible_lint_production_profile() -> None:
    lint = BIN / "ansible-lint"
    if not lint.exists():
        lint = Path(shutil.which("ansible-lint") or "ansible-lint")
    r = subprocess.run(
        [str(lint), "--offline", "playbooks/"],
        cwd=ROOT, capture_output=True, text=True, env=_env(), timeout=600, check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-3000:]
    assert "Profile 'production' was required, and it passed" in r.stdout + r.stderr


def test_no_role_writes_a_version() -> None:
    """Versions come only from ko_package.components: no role default or template pins one."""
    pinned = []
    for path in (PLAYBOOKS / "roles").rglob("*"):
        if path.is_file() and path.suffix in (".yml", ".j2"):
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if any(f'{c}_version: "1' in line or f'{c}: "1' in line for c in ("containerd", "etcd", "runc")):
                    pinned.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not pinned, pinned
