"""Cheap failure paths of a real deploy on one lab host, through the API and the real playbooks.

1. The repository serves a binary whose content does not match the package manifest's sha256: the
   deploy runs base-system and container-runtime, then fails in kubernetes-components with a hint
   to re-import the package; deleting the failed cluster resets the host.
2. An unsupported OS (the host's /etc/os-release rewritten, restored afterwards): with facts
   gathered before the change, the API plans the cluster and the base-system phase's validation
   refuses the host, naming it and its OS, before touching it; once the host is checked again,
   the API refuses the plan itself, naming the host and its OS.

3. The repository is unreachable (KO_REPOSITORY_URL names a closed port): the preflight fails in
   seconds naming the URL and the setting; once the setting is corrected (the service restarted
   without it), a retry gives the node the new URL, apt's cache is updated from it although the
   sources file was written by the failed run, and base-system succeeds.

One host (the lab's first): the suite's 1+1 deploy (the console's, tests/e2e/test_console_lab_e2e.py,
after this module) then deploys on a host this module has reset.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.deployment.engine_support import IDENTITY_KEY, PM, Engine, delete_cluster, deploy_engine, phase_seconds
from tests.lab.lab import Lab
from tests.lab.sshutil import ssh_root
from tests.support.offline_package import replace_file
from tests.support.procs import free_port
from tests.support.serve import identity_headers

pytestmark = [pytest.mark.lab, pytest.mark.timeout(900)]

FEDORA = 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=40\nPRETTY_NAME="Fedora Linux 40 (Server Edition)"\n'


@pytest.fixture(scope="module")
def engine(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with deploy_engine(lab, tmp_path_factory.mktemp("deploy-failures"), hosts=lab.hosts[:1]) as engine:
        yield engine


def plan(engine: Engine, name: str) -> Any:
    body = {
        "project_id": "p1", "name": name, "version": "1.36.0", "topology": "single",
        "nodes": [{"host_id": engine.host_ids[0], "role": "master"}],
    }  # fmt: skip
    return engine.call("POST", "/api/v1/clusters", json=body)


def check_host(engine: Engine) -> dict[str, Any]:
    headers = identity_headers(PM, IDENTITY_KEY.encode(), "inventory")
    r = engine.http.post(f"{engine.inventory_url}/api/v1/hosts/{engine.host_ids[0]}/check", headers=headers)
    assert r.status_code == 200, r.text
    host: dict[str, Any] = r.json()
    return host


def test_a_binary_served_with_a_wrong_checksum_fails_the_components_phase_with_a_hint(engine: Engine) -> None:
    package_dir = next((engine.data_dir / "repository" / "packages").iterdir())
    manifest = yaml.safe_load((package_dir / "manifest.yaml").read_text())
    kubeadm = next(a for a in manifest["artifacts"] if a["kind"] == "binary" and a["name"] == "kubeadm")
    served = package_dir / kubeadm["path"]
    original = served.read_bytes()
    replace_file(served, original + b"\n# not what the manifest's sha256 says\n")  # never through the cache's link
    try:
        r = plan(engine, "lab-bad-checksum")
        assert r.status_code == 201, r.text
        op = engine.wait(r.json()["operation"]["id"], "succeeded", "failed", "cancelled", timeout=600)
    finally:
        replace_file(served, original)
    assert op["status"] == "failed"
    assert [(p["name"], p["status"]) for p in op["phases"][:4]] == [
        ("base-system", "succeeded"), ("container-runtime", "succeeded"), ("kubernetes-components", "failed"),
        ("load-balancer", "pending"),
    ]  # fmt: skip
    failure = op["failure"]
    assert failure["phase"] == "kubernetes-components" and failure["host"] == engine.lab.hosts[0].name, failure
    assert "checksum mismatch" in failure["excerpt"], failure
    assert "checksum" in failure["hint"] and "re-import the package" in failure["hint"], failure
    assert ssh_root(engine.lab.hosts[0], "test -e /usr/local/bin/kubeadm || echo absent").stdout.strip() == "absent"
    delete_cluster(engine, r.json()["id"])


def test_an_unsupported_os_is_refused_by_the_preflight_and_by_the_plan(engine: Engine) -> None:
    host = engine.lab.hosts[0]
    assert check_host(engine)["status"] == "ready"  # facts of Debian 12, gathered before the change
    # /etc/os-release is a link to /usr/lib/os-release on Debian: replaced by a file, then put back.
    swap = ssh_root(host, f"mv /etc/os-release /etc/os-release.ko-test && printf '{FEDORA}' > /etc/os-release")
    assert swap.returncode == 0, swap.stderr
    try:
        r = plan(engine, "lab-unsupported-os")
        assert r.status_code == 201, r.text  # the inventory's facts still say Debian 12
        cluster_id = r.json()["id"]
        op = engine.wait(r.json()["operation"]["id"], "succeeded", "failed", "cancelled", timeout=300)
        assert op["status"] == "failed"
        failure = op["failure"]
        assert (failure["phase"], failure["host"]) == ("base-system", host.name), failure
        assert "Check the operating system is supported" in failure["task"], failure
        said = failure["message"] + failure["excerpt"]
        assert f"{host.name} runs Fedora" in said and "does not support" in said, failure
        # Nothing was touched: the lab's apt source is still the host's.
        assert ssh_root(host, "ls /etc/apt/sources.list.d/").stdout.split() == ["kolab.list"]

        # Checked again, the host's facts name the OS; the plan is refused before any operation.
        checked = check_host(engine)
        assert checked["facts"]["os"]["supported"] is False, checked["facts"]["os"]
        refused = plan(engine, "lab-unsupported-os-2")
        assert refused.status_code == 422, refused.text
        assert f"host {host.name}: Fedora Linux 40 (Server Edition) is not supported" in refused.text, refused.text
    finally:
        restore = ssh_root(host, "rm -f /etc/os-release && mv /etc/os-release.ko-test /etc/os-release")
        assert restore.returncode == 0, restore.stderr
    delete_cluster(engine, cluster_id)
    assert check_host(engine)["facts"]["os"]["supported"] is True


def test_an_unreachable_repository_fails_the_preflight_in_seconds_and_a_retry_takes_the_corrected_setting(
    engine: Engine,
) -> None:
    closed = free_port()
    wrong = f"http://{engine.lab.gateway}:{closed}/repository"
    engine.stop()
    engine.env["KO_REPOSITORY_URL"] = wrong
    engine.start()
    try:
        r = plan(engine, "unreachable-repo")
        assert r.status_code == 201, r.text
        cluster, op_id = r.json(), r.json()["current_operation_id"]
        op = engine.wait(op_id, "succeeded", "failed", "cancelled", timeout=300)
    finally:
        engine.stop()
        engine.env.pop("KO_REPOSITORY_URL")
        engine.start()
    assert op["status"] == "failed"
    failure = op["failure"]
    assert failure["phase"] == "base-system", failure
    assert f"{wrong}/packages/1.36.0-amd64/manifest.yaml" in failure["message"], failure
    assert "KO_REPOSITORY_URL" in failure["message"] and "refused" in failure["message"].lower(), failure
    assert phase_seconds(op)["base-system"] < 60
    host = engine.lab_hosts[0]
    # The failed run never got as far as writing the apt source: write it as a run that stopped
    # after that task would have left it, with the wrong URL, so the retry must rewrite it and
    # update the cache although the node's files no longer change on their own.
    ssh_root(host, f"echo 'deb [trusted=yes] {wrong}/packages/1.36.0-amd64/debs ./' "
                   "> /etc/apt/sources.list.d/kubeoperator.list")  # fmt: skip
    ssh_root(host, "rm -f /var/lib/apt/lists/*repository_packages_1.36.0-amd64*")

    r = engine.call("POST", f"/api/v1/operations/{op_id}/retry")
    assert r.status_code == 200 and r.json()["status"] == "queued", r.text
    deadline = time.monotonic() + 600
    while True:
        op = engine.call("GET", f"/api/v1/operations/{op_id}").json()
        phases = {p["name"]: p["status"] for p in op["phases"]}
        if phases["base-system"] == "succeeded" or op["status"] in ("failed", "succeeded"):
            break
        assert time.monotonic() < deadline, op
        time.sleep(1)
    assert phases["base-system"] == "succeeded", op["failure"]
    r = engine.call("POST", f"/api/v1/operations/{op_id}/cancel")
    assert r.status_code in (200, 409), r.text
    engine.wait(op_id, "succeeded", "failed", "cancelled", timeout=300)
    source = ssh_root(host, "cat /etc/apt/sources.list.d/kubeoperator.list").stdout
    assert f"http://{engine.lab.gateway}:{engine.port}/repository/packages/1.36.0-amd64/debs" in source, source
    lists = ssh_root(host, "ls /var/lib/apt/lists/").stdout
    assert f"{engine.lab.gateway}:{engine.port}_repository_packages_1.36.0-amd64_debs" in lists.replace("%3a", ":"), (
        lists
    )
    delete_cluster(engine, cluster["id"])
