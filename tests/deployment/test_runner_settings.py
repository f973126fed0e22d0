"""The Ansible settings the engine's phase runner passes (no lab: nothing is run)."""

from __future__ import annotations

from pathlib import Path

import yaml
from ansible.config.manager import ConfigManager
from ansible.plugins.connection import ssh

from ko_common.operations.ansible import runner

PLAYBOOK = Path(__file__).parent / "playbooks" / "engine-demo.yml"


def test_every_ansible_setting_the_runner_passes_is_one_ansible_reads(tmp_path: Path) -> None:
    """ansible-core ignores an unknown ANSIBLE_* variable silently (the fact cache was once off that way)."""
    ssh_options = yaml.safe_load(ssh.DOCUMENTATION)["options"].values()
    known = {
        env["name"]
        for d in [*ConfigManager().get_configuration_definitions().values(), *ssh_options]
        for env in d.get("env", [])
    }
    env = runner.ansible_env(runner.PhaseRun("op-test", "demo", PLAYBOOK, tmp_path))
    assert {k for k in env if k.startswith("ANSIBLE_")} - known == set()
    assert env["ANSIBLE_CACHE_PLUGIN"] == "jsonfile" and env["ANSIBLE_GATHERING"] == "smart"


def test_forks_follow_the_number_of_nodes(tmp_path: Path) -> None:
    assert runner.forks(tmp_path) == 5  # no inventory yet: Ansible's default
    many = [
        runner.NodeAccess(name=f"n{i}", ip=f"10.0.0.{i}", port=22, username="root", host_key=None) for i in range(12)
    ]
    runner.prepare(tmp_path, many)
    assert runner.forks(tmp_path) == 12
    runner.prepare(tmp_path, many[:2])
    assert runner.forks(tmp_path) == 5
