"""Shared by the add-on tests: the add-on roles' helm releases rendered by Ansible from a cluster
spec (the roles' own tasks/values.yml, run on localhost), and the objects a chart renders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.support import addons
from tests.support.helm import helm_binary

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / "playbooks"
BIN = Path(sys.executable).parent
# Role -> the fact its tasks/values.yml sets (the helm_release the helm role installs).
RELEASE_FACTS = {
    "network": "network_release",
    "coredns": "coredns_release_values",
    "metrics_server": "metrics_server_release_values",
    "ingress": "ingress_release_values",
}
# Image archives are imported into containerd under these names (the package manifest's images list).
IMPORTED = {f"{name}:{tag}" for name, tag in addons.ADDON_IMAGES.items()}


def addon_manifest() -> dict[str, Any]:
    """The add-on part of the test package's manifest (charts and images, as the builder names them)."""
    charts = [{"kind": "chart", "name": n, "version": v} for n, v in addons.chart_versions().items()]
    images = [{"kind": "image", "name": n, "version": t} for n, t in addons.ADDON_IMAGES.items()]
    return {"components": addons.ADDON_COMPONENTS, "artifacts": charts + images}


def render_releases(cluster: dict[str, Any], tmp: Path, roles: list[str] | None = None) -> dict[str, Any]:
    """Run the roles' values tasks on localhost for ``cluster`` (ko_cluster) and return each role's
    helm release (name, namespace, chart, images, values); a role whose add-on is off is absent."""
    roles = roles or list(RELEASE_FACTS)
    tasks: list[dict[str, Any]] = []
    for role in roles:
        tasks.append({"ansible.builtin.include_role": {"name": role, "tasks_from": "values.yml"},
                      "when": f"{role}_enabled | bool"})  # fmt: skip
    out = tmp / "releases.json"
    facts = ", ".join(f"'{r}': ({RELEASE_FACTS[r]} | default(none))" for r in roles)
    tasks.append({"ansible.builtin.copy": {"dest": str(out), "content": "{{ {" + facts + "} | to_json }}",
                                           "mode": "0644"}})  # fmt: skip
    play = [{
        "hosts": "localhost", "gather_facts": False, "connection": "local",
        "vars_files": [str(PLAYBOOKS / "group_vars" / "all" / "main.yml")],
        # The roles' defaults (e.g. network_enabled) are visible to the play before the include.
        "roles": [{"role": r, "when": "false"} for r in roles],
        "tasks": tasks,
    }]  # fmt: skip
    (tmp / "render.yml").write_text(yaml.safe_dump(play, sort_keys=False))
    extra = {
        "ko_cluster": cluster,
        "ko_package": {"version": "1.36.0", "arch": "amd64", "components": addons.ADDON_COMPONENTS,
                       "url": "http://127.0.0.1:9/repository/packages/1.36.0-amd64"},
        "helm_manifest": addon_manifest(),
        "ansible_python_interpreter": sys.executable,
    }  # fmt: skip
    (tmp / "extra.json").write_text(json.dumps(extra))
    result = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", "localhost,", str(tmp / "render.yml"), "-e", f"@{tmp / 'extra.json'}"],
        capture_output=True, text=True, timeout=180,
        env={**os.environ, "ANSIBLE_ROLES_PATH": str(PLAYBOOKS / "roles"), "ANSIBLE_NOCOLOR": "1",
             "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return {k: v for k, v in json.loads(out.read_text()).items() if v}


def helm_template(release: dict[str, Any], tmp: Path) -> list[dict[str, Any]]:
    """The objects the stand-in chart of ``release`` renders with its values (CRDs included)."""
    values = tmp / f"{release['name']}.values.yaml"
    values.write_text(yaml.safe_dump(release["values"]))
    result = subprocess.run(
        [str(helm_binary()), "template", release["name"], str(addons.CHARTS / release["chart"]),
         "--namespace", release["namespace"], "--values", str(values), "--include-crds"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "HELM_CACHE_HOME": str(tmp / "helm")},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def images_of(obj: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(image, imagePullPolicy) of every container and init container of a workload object."""
    spec = obj.get("spec") or {}
    pod = (spec.get("template") or {}).get("spec") or (spec.get("jobTemplate") or {}).get("spec", {}) or {}
    if obj.get("kind") == "Pod":
        pod = spec
    containers = [*(pod.get("initContainers") or []), *(pod.get("containers") or [])]
    return [(c["image"], c.get("imagePullPolicy")) for c in containers]
