"""What a package states about the oldest etcd (manifest and versions file `requires`), and the
product's fallback table for packages that state nothing (issue 13 item 3). No lab, no service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ko_deployment.packages import requirements
from ko_deployment.packages.build import build_manifest
from ko_deployment.packages.manifest import ManifestError, parse_manifest
from ko_deployment.packages.versions import VersionsError, load_versions, plan, resolve_path

ARTIFACT = {"kind": "binary", "name": "kubeadm", "version": "1.36.0", "arch": "amd64", "path": "bin/kubeadm",
            "sha256": "0" * 64, "size": 1}  # fmt: skip


def manifest(**changes: Any) -> dict[str, Any]:
    data = {"apiVersion": "kubeoperator.io/package/v1", "kubernetesVersion": "1.36.0", "arch": "amd64",
            "components": {"etcd": "3.6.8"}, "artifacts": [ARTIFACT]}  # fmt: skip
    return data | changes


def test_a_manifest_without_requires_reads_and_writes_as_before() -> None:
    read = parse_manifest(yaml.safe_dump(manifest()))
    assert read.requires == {}
    assert "requires" not in read.model_dump(by_alias=True, mode="json")
    assert "requires" not in yaml.safe_load(read.to_yaml())  # older readers refuse unknown keys


def test_a_manifest_states_its_minimum_and_may_not_contradict_it() -> None:
    read = parse_manifest(yaml.safe_dump(manifest(requires={"etcd": "3.5.24"})))
    assert read.requires == {"etcd": "3.5.24"}
    assert yaml.safe_load(read.to_yaml())["requires"] == {"etcd": "3.5.24"}
    cases = [
        ({"etcd": "3.6.9"}, "manifest: requires.etcd: 3.6.9, but components.etcd is 3.6.8: put etcd 3.6.9 or newer "
                            "into the package"),
        ({"etcdd": "3.5.24"}, "manifest: requires.etcdd: the package has no component etcdd (components.etcdd)"),
        ({"etcd": "v3.5.24"}, "requires.etcd: must be a version such as 3.5.24 (three numbers, no leading v or "
                              "suffix)"),
    ]  # fmt: skip
    for requires, says in cases:
        with pytest.raises(ManifestError) as info:
            parse_manifest(yaml.safe_dump(manifest(requires=requires)))
        assert info.value.problems == [says]


def test_the_directory_form_of_build_takes_requires_from_its_input(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "kubeadm").write_bytes(b"x")
    spec = {"kubernetesVersion": "1.36.0", "arch": "amd64", "components": {"etcd": "3.4.23"}}
    assert build_manifest(tmp_path, spec).requires == {}
    assert build_manifest(tmp_path, spec | {"requires": {"etcd": "3.4.23"}}).requires == {"etcd": "3.4.23"}
    with pytest.raises(ManifestError, match=r"requires\.etcd: 3\.5\.24, but components\.etcd is 3\.4\.23"):
        build_manifest(tmp_path, spec | {"requires": {"etcd": "3.5.24"}})


def test_the_bundled_versions_file_states_kubeadms_minimum_and_it_agrees_with_the_table() -> None:
    path = resolve_path("1.36.0")
    planned = plan(load_versions(path), path.parent, "amd64", [])
    assert planned.requires == {"etcd": "3.5.24"}
    assert requirements.KUBEADM_MIN_EXTERNAL_ETCD[(1, 36)] == planned.requires["etcd"]


def test_a_versions_file_may_only_require_its_own_components(tmp_path: Path) -> None:
    data = yaml.safe_load(resolve_path("1.36.0").read_text())
    data["requires"] = {"etcd-server": "3.5.24"}
    (tmp_path / "v.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(VersionsError) as info:
        load_versions(tmp_path / "v.yaml")
    assert info.value.problems == [
        "v.yaml: versions file: requires.etcd-server: no component etcd-server under components"
    ]


@pytest.mark.parametrize(
    ("kubernetes", "minimum"),
    [("1.36.0", "3.5.24"), ("1.35.2", "3.5.24"), ("1.34.3", "3.5.24"), ("1.37.0", "3.5.24"), ("1.33.9", None)],
)
def test_without_requires_the_table_of_the_kubernetes_minor_applies(kubernetes: str, minimum: str | None) -> None:
    got = requirements.minimums(manifest(kubernetesVersion=kubernetes))
    assert [(m.component, m.version) for m in got] == ([("etcd", minimum)] if minimum else [])
    # What the package states wins over the table.
    stated = requirements.minimums(manifest(kubernetesVersion=kubernetes, requires={"etcd": "3.4.23"}))
    assert [(m.component, m.version) for m in stated] == [("etcd", "3.4.23")]
    # A package that states another component's minimum still gets the table's etcd.
    runc = {"etcd": "3.6.8", "runc": "1.2.6"}
    other = requirements.minimums(manifest(kubernetesVersion=kubernetes, components=runc, requires={"runc": "1.2.0"}))
    assert [(m.component, m.version) for m in other] == [("runc", "1.2.0")] + ([("etcd", minimum)] if minimum else [])


def test_versions_compare_as_kubeadm_compares_them() -> None:
    assert requirements.meets("3.5.24", "3.5.24") and requirements.meets("3.6.8", "3.5.24")
    assert requirements.meets("1:3.5.24-1", "3.5.24") and requirements.meets("v3.10.0", "3.5.24")
    assert not requirements.meets("3.5.21", "3.5.24") and not requirements.meets("3.4.30", "3.5.24")
    assert not requirements.meets("latest", "3.5.24")
    old = manifest(components={"etcd": "3.4.23"})
    assert [s.sentence() for s in requirements.shortfalls(old)] == [
        "carries etcd 3.4.23, older than 3.5.24, the oldest external etcd kubeadm 1.36 accepts"
    ]
    assert requirements.shortfalls(old, frozenset({"etcd"})) == []
