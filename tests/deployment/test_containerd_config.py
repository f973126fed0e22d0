"""The containerd role's config.toml, rendered locally by ansible's template module (no lab).

The role's own defaults, template and to_toml filter, for containerd 2.x (config version 3) and 1.x
(version 2), with and without the cluster spec's advanced.containerd_config: the spec's tables are
deep-merged into the rendered ones (KubeOperator's settings stay), and a second run changes nothing.
The real containerd of the test package (Debian's, from the lab's .deb cache) then reads a merged
file: `containerd config dump` shows both KubeOperator's settings and the site's. The spec's settings
may be written in either layout: they land in the layout of the containerd installed on the node
(docs/container-hosts.md's block, written for 1.6, read by the cache's real containerd 2 when built).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import offline_package, real_package

ROOT = Path(__file__).resolve().parents[2]
ROLE = ROOT / "playbooks" / "roles" / "containerd"
BIN = Path(sys.executable).parent
CRI_V3_IMAGES = "io.containerd.cri.v1.images"
CRI_V3_RUNTIME = "io.containerd.cri.v1.runtime"
CRI_V2 = "io.containerd.grpc.v1.cri"

EXTRA = {
    "debug": {"level": "info"},
    "plugins": {
        CRI_V3_IMAGES: {"max_concurrent_downloads": 2},
        CRI_V3_RUNTIME: {
            "enable_unprivileged_ports": True,
            "containerd": {"runtimes": {"runc": {"options": {"BinaryName": "/usr/local/sbin/runc"}}}},
        },
    },
}


def _play(
    name: str,
    containerd: str,
    advanced: dict[str, Any] | None,
    dest: Path,
    kubelet: dict[str, Any] | None = None,
    installed: str | None = None,
) -> dict[str, Any]:
    ko_cluster: dict[str, Any] = {"name": "c1"}
    if advanced is not None:
        ko_cluster["advanced"] = {"containerd_config": advanced}
    if kubelet is not None:
        ko_cluster.setdefault("advanced", {})["kubelet_config"] = kubelet
    return {
        "name": f"Render | {name}",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars_files": [str(ROLE / "defaults" / "main.yml")],
        "vars": {
            "ansible_python_interpreter": sys.executable,
            "ko_versions": {"containerd": containerd, "runc": "1.3.0", "pause": "3.10"},
            "ko_kubernetes_version": "1.36.0",
            "ko_cluster": ko_cluster,
            **({"containerd_installed_version": installed} if installed else {}),
        },
        "tasks": [
            {
                "name": f"Render | {name} config.toml",
                "ansible.builtin.template": {
                    "src": str(ROLE / "templates" / "config.toml.j2"),
                    "dest": str(dest),
                    "mode": "0644",
                },
            }
        ],
    }


def _run(playbook: Path) -> str:
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FILTER_PLUGINS": str(ROLE / "filter_plugins"),
        "ANSIBLE_LOCAL_TEMP": str(playbook.parent / "tmp"),
    }
    result = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", "localhost,", str(playbook)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _recap(stdout: str) -> tuple[int, int]:
    match = re.search(r"localhost\s+: ok=(\d+)\s+changed=(\d+)", stdout)
    assert match, stdout
    return int(match.group(1)), int(match.group(2))


def test_config_is_the_role_settings_deep_merged_with_the_spec_and_stable(tmp_path: Path) -> None:
    out = {name: tmp_path / f"{name}.toml" for name in ("v3", "v2", "v3-advanced", "v2-advanced")}
    plays = [
        _play("v3", "2.1.4", None, out["v3"]),
        _play("v2", "1.7.24", {}, out["v2"]),
        _play("v3-advanced", "2.1.4", EXTRA, out["v3-advanced"]),
        _play("v2-advanced", "1.7.24", {"plugins": {CRI_V2: {"enable_selinux": True}}}, out["v2-advanced"]),
    ]
    playbook = tmp_path / "render.yml"
    playbook.write_text(yaml.safe_dump(plays, sort_keys=False))
    assert _recap(_run(playbook)) == (4, 4)

    runc_v3 = {"runtime_type": "io.containerd.runc.v2", "options": {"SystemdCgroup": True}}
    v3 = {
        "version": 3,
        "root": "/var/lib/containerd",
        "state": "/run/containerd",
        "grpc": {"address": "/run/containerd/containerd.sock"},
        "plugins": {
            CRI_V3_IMAGES: {
                "snapshotter": "overlayfs",
                "registry": {"config_path": "/etc/containerd/certs.d"},
                "pinned_images": {"sandbox": "registry.k8s.io/pause:3.10"},
            },
            CRI_V3_RUNTIME: {"containerd": {"runtimes": {"runc": runc_v3}}},
        },
    }
    assert tomllib.loads(out["v3"].read_text()) == v3
    v2 = tomllib.loads(out["v2"].read_text())
    assert v2["version"] == 2 and v2["plugins"][CRI_V2]["sandbox_image"] == "registry.k8s.io/pause:3.10"
    assert v2["plugins"][CRI_V2]["containerd"]["runtimes"]["runc"]["options"] == {"SystemdCgroup": True}
    assert v2["plugins"][CRI_V2]["registry"] == {"config_path": "/etc/containerd/certs.d"}
    assert "advanced.containerd_config" not in out["v3"].read_text()

    merged = tomllib.loads(out["v3-advanced"].read_text())
    assert merged["debug"] == {"level": "info"}
    images = merged["plugins"][CRI_V3_IMAGES]
    assert images == v3["plugins"][CRI_V3_IMAGES] | {"max_concurrent_downloads": 2}  # type: ignore[index, operator]
    runtime = merged["plugins"][CRI_V3_RUNTIME]
    assert runtime["enable_unprivileged_ports"] is True
    assert runtime["containerd"]["runtimes"]["runc"] == {
        "runtime_type": "io.containerd.runc.v2",
        "options": {"SystemdCgroup": True, "BinaryName": "/usr/local/sbin/runc"},
    }
    assert "advanced.containerd_config" in out["v3-advanced"].read_text()
    v2_merged = tomllib.loads(out["v2-advanced"].read_text())["plugins"][CRI_V2]
    assert v2_merged["enable_selinux"] is True and v2_merged["sandbox_image"] == "registry.k8s.io/pause:3.10"

    # The same data gives the same text: nothing changes on a rerun.
    before = {name: path.read_text() for name, path in out.items()}
    assert _recap(_run(playbook)) == (4, 0)
    assert {name: path.read_text() for name, path in out.items()} == before
    assert all("{{" not in text for text in before.values())


def _runc_options(config: dict[str, Any]) -> dict[str, Any]:
    cri = config["plugins"][CRI_V3_RUNTIME if config["version"] == 3 else CRI_V2]
    options: dict[str, Any] = cri["containerd"]["runtimes"]["runc"]["options"]
    return options


def test_runc_cgroup_driver_follows_the_kubelet_unless_the_spec_sets_it(tmp_path: Path) -> None:
    """SystemdCgroup is the kubelet's cgroupDriver (systemd when the spec does not say, as for clusters
    planned before the setting), in both config layouts; advanced.containerd_config's own value wins."""
    cases: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
        "v3-systemd": ("2.1.4", None, {}),
        "v3-cgroupfs": ("2.1.4", None, {"cgroupDriver": "cgroupfs"}),
        "v2-cgroupfs": ("1.6.20", {}, {"cgroupDriver": "cgroupfs", "maxPods": 80}),
        "v2-systemd": ("1.6.20", {}, {"cgroupDriver": "systemd"}),
        "v3-site": ("2.1.4", {"plugins": {CRI_V3_RUNTIME: {"containerd": {"runtimes": {"runc": {"options": {
            "SystemdCgroup": True}}}}}}}, {"cgroupDriver": "cgroupfs"}),
    }  # fmt: skip
    out = {name: tmp_path / f"{name}.toml" for name in cases}
    plays = [_play(name, v, extra, out[name], kubelet) for name, (v, extra, kubelet) in cases.items()]
    playbook = tmp_path / "render.yml"
    playbook.write_text(yaml.safe_dump(plays, sort_keys=False))
    _run(playbook)
    systemd = {name: _runc_options(tomllib.loads(path.read_text()))["SystemdCgroup"] for name, path in out.items()}
    assert systemd == {"v3-systemd": True, "v3-cgroupfs": False, "v2-cgroupfs": False, "v2-systemd": True,
                       "v3-site": True}  # fmt: skip
    assert tomllib.loads(out["v2-cgroupfs"].read_text())["version"] == 2  # Debian's containerd 1.6
    assert tomllib.loads(out["v3-cgroupfs"].read_text())["version"] == 3


def test_the_real_containerd_reads_a_merged_config(tmp_path: Path) -> None:
    try:
        debs = offline_package.deb_directory()
    except offline_package.PackageUnavailable as exc:
        pytest.skip(str(exc))
    deb = sorted(debs.glob("containerd_*.deb"))[-1]
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb is not installed here")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp_path / "root")], check=True, timeout=120)
    containerd = tmp_path / "root" / "usr" / "bin" / "containerd"
    version = offline_package.upstream_version(deb.name.split("_")[1].replace("%3a", ":"))
    cri = CRI_V3_RUNTIME if int(version.split(".")[0]) >= 2 else CRI_V2
    extra = {
        "debug": {"level": "debug"},
        "plugins": {cri: {"enable_unprivileged_ports": True, "containerd": {"runtimes": {"runc": {"options": {
            "BinaryName": "/usr/sbin/runc"}}}}}},
    }  # fmt: skip
    config = tmp_path / "config.toml"
    playbook = tmp_path / "render.yml"
    playbook.write_text(yaml.safe_dump([_play("real", version, extra, config)], sort_keys=False))
    _run(playbook)

    dump = subprocess.run(
        [str(containerd), "--config", str(config), "config", "dump"], capture_output=True, text=True, timeout=60
    )
    assert dump.returncode == 0, dump.stderr
    effective = tomllib.loads(dump.stdout)
    assert effective["debug"]["level"] == "debug"
    plugin = effective["plugins"][cri]
    assert plugin["enable_unprivileged_ports"] is True
    assert plugin["containerd"]["runtimes"]["runc"]["options"]["BinaryName"] == "/usr/sbin/runc"
    assert plugin["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"] is True
    images = effective["plugins"][CRI_V3_IMAGES] if cri == CRI_V3_RUNTIME else plugin
    assert images["registry"]["config_path"] == "/etc/containerd/certs.d"


# docs/container-hosts.md's block for hosts without cgroup controllers, as written for containerd 1.6.
CONTAINER_HOSTS_V2 = {"plugins": {CRI_V2: {
    "restrict_oom_score_adj": True,
    "disable_cgroup": True,
    "containerd": {"runtimes": {"runc": {"options": {"SystemdCgroup": False}}}},
}}}  # fmt: skip
CONTAINER_HOSTS_V3 = {"plugins": {CRI_V3_RUNTIME: {
    "restrict_oom_score_adj": True,
    "disable_cgroup": True,
    "containerd": {"runtimes": {"runc": {"options": {"SystemdCgroup": False}}}},
}}}  # fmt: skip
CGROUPFS = {"cgroupDriver": "cgroupfs"}


def test_the_specs_settings_land_in_the_layout_of_the_installed_containerd(tmp_path: Path) -> None:
    """Either layout of the spec works with either containerd: moved as containerd 2 migrates version 2."""
    site_v2 = {"plugins": {CRI_V2: {**CONTAINER_HOSTS_V2["plugins"][CRI_V2], "max_concurrent_downloads": 2,
                                    "stream_idle_timeout": "1h", "cni": {"bin_dir": "/opt/cni/bin"}}}}  # fmt: skip
    cases: dict[str, tuple[str, dict[str, Any], str | None]] = {
        "v2-spec-on-2": ("2.3.4", site_v2, None),
        "v3-spec-on-1": ("1.6.20", CONTAINER_HOSTS_V3, None),
        "v2-spec-on-installed-2": ("1.6.20", CONTAINER_HOSTS_V2, "2.3.4"),  # the node's binary decides
        "v3-spec-on-2": ("2.3.4", CONTAINER_HOSTS_V3, None),
    }
    out = {name: tmp_path / f"{name}.toml" for name in cases}
    plays = [_play(name, v, extra, out[name], CGROUPFS, installed) for name, (v, extra, installed) in cases.items()]
    playbook = tmp_path / "render.yml"
    playbook.write_text(yaml.safe_dump(plays, sort_keys=False))
    assert _recap(_run(playbook)) == (4, 4)
    got = {name: tomllib.loads(path.read_text()) for name, path in out.items()}

    on_2 = got["v2-spec-on-2"]
    assert on_2["version"] == 3
    runtime = on_2["plugins"][CRI_V3_RUNTIME]
    # containerd 2 has no disable_cgroup: runc's wrapper does its work (test_containerd_archive.py).
    assert runtime["restrict_oom_score_adj"] is True and "disable_cgroup" not in runtime
    assert runtime["containerd"]["runtimes"]["runc"] == {"runtime_type": "io.containerd.runc.v2", "options": {
        "SystemdCgroup": False, "BinaryName": "/usr/local/sbin/runc-without-cgroups"}}  # fmt: skip
    assert runtime["cni"] == {"bin_dirs": ["/opt/cni/bin"]}
    assert on_2["plugins"][CRI_V3_IMAGES]["max_concurrent_downloads"] == 2
    assert on_2["plugins"][CRI_V3_IMAGES]["pinned_images"] == {"sandbox": "registry.k8s.io/pause:3.10"}
    assert on_2["plugins"][CRI_V2] == {"stream_idle_timeout": "1h"}  # the CRI server's own table in version 3

    on_1 = got["v3-spec-on-1"]
    assert on_1["version"] == 2 and set(on_1["plugins"]) == {CRI_V2}
    cri = on_1["plugins"][CRI_V2]
    assert cri["restrict_oom_score_adj"] is True and cri["disable_cgroup"] is True
    assert cri["containerd"]["runtimes"]["runc"]["options"] == {"SystemdCgroup": False}
    assert cri["sandbox_image"] == "registry.k8s.io/pause:3.10" and cri["containerd"]["snapshotter"] == "overlayfs"

    assert got["v2-spec-on-installed-2"] == got["v3-spec-on-2"]
    runc = got["v3-spec-on-2"]["plugins"][CRI_V3_RUNTIME]["containerd"]["runtimes"]["runc"]
    assert runc["options"]["BinaryName"] == "/usr/local/sbin/runc-without-cgroups"


def test_the_real_containerd_2_takes_the_container_hosts_settings_written_for_1_6(tmp_path: Path) -> None:
    """The cache's containerd 2 (the real test package's, when built) takes docs/container-hosts.md's block."""
    try:
        _, bin_dir = real_package.k8s_bin_dir()
    except real_package.RealPackageUnavailable as exc:
        pytest.skip(str(exc))
    containerd = bin_dir / "containerd"
    if not os.access(containerd, os.X_OK):
        pytest.skip(f"no containerd 2 in {bin_dir} (README, 'Real Kubernetes for development')")
    version = real_package._binary_version(containerd, "--version")
    config = tmp_path / "config.toml"
    playbook = tmp_path / "render.yml"
    play = _play("real-2", "1.6.20", CONTAINER_HOSTS_V2, config, CGROUPFS, installed=version)
    playbook.write_text(yaml.safe_dump([play], sort_keys=False))
    _run(playbook)

    dump = subprocess.run([str(containerd), "--config", str(config), "config", "dump"],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert dump.returncode == 0, dump.stderr
    effective = tomllib.loads(dump.stdout)
    runtime = effective["plugins"][CRI_V3_RUNTIME]
    assert runtime["restrict_oom_score_adj"] is True
    runc = runtime["containerd"]["runtimes"]["runc"]["options"]
    assert runc["SystemdCgroup"] is False and runc["BinaryName"] == "/usr/local/sbin/runc-without-cgroups"
    images = effective["plugins"][CRI_V3_IMAGES]
    assert images["pinned_images"]["sandbox"] == "registry.k8s.io/pause:3.10"
    assert images["registry"]["config_path"] == "/etc/containerd/certs.d"
    assert "unknown key" not in dump.stderr, dump.stderr  # nothing of the spec is lost
