"""Terraform providers in the offline package: the terraform-provider kind, its import, and the internal listing.

The package holds the real vSphere provider 2.0.2 (tests/support/provider_package.py) in the package's
terraform-providers/ filesystem mirror; the deployment service is served for real.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ko_common.identity import service_identity
from ko_deployment.packages.build import BuildError, build_manifest
from ko_deployment.packages.manifest import PROVIDERS_DIR
from ko_deployment.packages.providers import PATH
from tests.deployment.conftest import ADMIN, API, Deployment
from tests.support.procs import NatsServer
from tests.support.provider_package import (
    VSPHERE_PATH,
    VSPHERE_PROVIDER,
    VSPHERE_SOURCE,
    needs_vsphere_provider,
    provider_package,
    serve_deployment,
)

pytestmark = needs_vsphere_provider
PROVISIONING = service_identity("provisioning")


@pytest.fixture
def deployment(tmp_path: Path, database_url: str, nats_server: NatsServer) -> Iterator[Deployment]:
    with serve_deployment(tmp_path / "data", database_url, nats_server.url) as d:
        yield d


@pytest.fixture(scope="module")
def vsphere_sha256() -> str:
    return hashlib.sha256(VSPHERE_PROVIDER.read_bytes()).hexdigest()


def _manifest(package: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((package / "manifest.yaml").read_text())
    return data


def _rewrite(package: Path, **artifact: Any) -> None:
    data = _manifest(package)
    data["artifacts"][0].update(artifact)
    (package / "manifest.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


def test_a_provider_is_imported_executable_and_listed_for_the_provisioning_service(
    deployment: Deployment, tmp_path: Path, vsphere_sha256: str
) -> None:
    d = deployment
    package = tmp_path / "pkg"
    (package / VSPHERE_PATH).parent.mkdir(parents=True)
    shutil.copyfile(VSPHERE_PROVIDER, package / VSPHERE_PATH)  # a copy that lost its mode, as a tarball may
    (package / VSPHERE_PATH).chmod(0o644)
    provider_package(package)
    assert _manifest(package)["artifacts"] == [
        {"kind": "terraform-provider", "name": VSPHERE_SOURCE, "version": "2.0.2", "arch": "amd64",
         "path": VSPHERE_PATH, "sha256": vsphere_sha256, "size": VSPHERE_PROVIDER.stat().st_size},
    ]  # fmt: skip

    imported = d.import_package(package)
    assert imported["status"] == "ready", imported["error"]
    installed = d.repository / "packages/1.36.0-amd64" / VSPHERE_PATH
    assert installed.stat().st_mode & 0o777 == 0o755
    detail = d.call("GET", f"{API}/offline-packages/{imported['id']}").json()
    assert [a["kind"] for a in detail["artifacts"]] == ["terraform-provider"]

    r = d.call("GET", PATH, who=PROVISIONING)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "providers": [
            {"source": VSPHERE_SOURCE, "version": "2.0.2", "platform": "linux_amd64", "file": VSPHERE_PROVIDER.name,
             "sha256": vsphere_sha256, "size": VSPHERE_PROVIDER.stat().st_size,
             "url": f"/repository/packages/1.36.0-amd64/{VSPHERE_PATH}"},
        ]
    }  # fmt: skip
    served = d.client.get(d.base + r.json()["providers"][0]["url"])
    assert served.status_code == 200 and hashlib.sha256(served.content).hexdigest() == vsphere_sha256

    # Only the provisioning service: not another service, not an administrator, not an unsigned caller.
    for who in (service_identity("observability"), ADMIN):
        refused = d.call("GET", PATH, who=who)
        assert refused.status_code == 403, refused.text
        assert "provisioning" in refused.json()["detail"]
    assert d.call("GET", PATH, who=None).status_code == 401
    assert PATH not in d.client.get(d.base + "/openapi.json").text


def test_a_provider_in_two_packages_is_listed_once_from_the_newest(deployment: Deployment, tmp_path: Path) -> None:
    d = deployment
    for version in ("1.35.0", "1.36.0"):
        package = d.import_package(provider_package(tmp_path / version, kubernetes_version=version))
        assert package["status"] == "ready", package["error"]
    providers = d.call("GET", PATH, who=PROVISIONING).json()["providers"]
    assert [(p["source"], p["url"]) for p in providers] == [
        (VSPHERE_SOURCE, f"/repository/packages/1.36.0-amd64/{VSPHERE_PATH}")
    ]


LAYOUT = "terraform-providers/<hostname>/<namespace>/<type>/<version>/<os>_<arch>/terraform-provider-<type>"


OTHER_VERSION = VSPHERE_PATH.replace("_v2.0.2_x5", "_v2.0.3")
REFUSALS = {
    "outside": (
        {"path": "bin/terraform-provider-vsphere_v2.0.2_x5"},
        f"artifacts[0].path: 'bin/terraform-provider-vsphere_v2.0.2_x5' must be {LAYOUT}",
    ),
    "no-platform": ({"path": VSPHERE_PATH.replace("/linux_amd64/", "/")}, f"must be {LAYOUT}"),
    "platform": (
        {"path": VSPHERE_PATH.replace("linux_amd64", "windows_amd64")},
        "platform 'windows_amd64' must be linux_amd64 or linux_arm64",
    ),
    "file": (
        {"path": OTHER_VERSION},
        "file 'terraform-provider-vsphere_v2.0.3' must be terraform-provider-vsphere_v2.0.2",
    ),
    "version": (
        {"version": "2.0.3"},
        "artifacts[0]: a terraform-provider's name, version and arch are those of its path: version is '2.0.3'",
    ),
    "kind": ({"kind": "binary"}, "artifacts[0].path: terraform-providers/ holds only terraform-provider artifacts"),
}


def test_a_provider_outside_the_mirror_layout_is_refused_naming_the_field(
    deployment: Deployment, tmp_path: Path
) -> None:
    for case, (change, says) in REFUSALS.items():  # one service for all: each is refused before any work
        package = provider_package(tmp_path / case)
        if "path" in change:
            (package / change["path"]).parent.mkdir(parents=True, exist_ok=True)
            (package / VSPHERE_PATH).rename(package / change["path"])
        _rewrite(package, **change)
        r = deployment.call("POST", f"{API}/offline-packages", json={"source": str(package)})
        assert r.status_code == 422, (case, r.text)
        assert r.json()["field"] == "source" and says in r.json()["detail"], (case, r.json()["detail"])
    assert not (deployment.repository / "packages/1.36.0-amd64").exists()


def test_a_provider_with_another_checksum_is_refused_and_nothing_is_kept(
    deployment: Deployment, tmp_path: Path, vsphere_sha256: str
) -> None:
    d = deployment
    package = provider_package(tmp_path / "pkg")
    _rewrite(package, sha256="0" * 64)
    imported = d.import_package(package)
    assert imported["status"] == "failed"
    assert (
        f"terraform-provider {VSPHERE_SOURCE} 2.0.2 ({VSPHERE_PATH}): sha256 is {vsphere_sha256}, "
        f"the manifest says {'0' * 64}" in imported["error"]
    ), imported["error"]
    assert not (d.repository / "packages/1.36.0-amd64").exists()
    assert d.call("GET", PATH, who=PROVISIONING).json() == {"providers": []}


def test_the_builder_names_a_provider_by_its_path_and_refuses_another_layout(tmp_path: Path) -> None:
    wrong = (
        tmp_path / "pkg" / PROVIDERS_DIR / "hashicorp/vsphere/2.0.2/linux_amd64/terraform-provider-vsphere_v2.0.2_x5"
    )
    wrong.parent.mkdir(parents=True)
    wrong.write_bytes(b"#!/bin/sh\n")
    with pytest.raises(BuildError, match=r"'terraform-providers/hashicorp/vsphere/2\.0\.2/linux_amd64/.*' must be"):
        build_manifest(tmp_path / "pkg", {"kubernetesVersion": "1.36.0", "arch": "amd64"})
