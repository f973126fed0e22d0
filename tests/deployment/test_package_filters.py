"""playbooks/filter_plugins/packages.py: which package specs a node still lacks, from dpkg-query's answer."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "ko_packages_filter", Path(__file__).resolve().parents[2] / "playbooks" / "filter_plugins" / "packages.py"
)
assert _spec and _spec.loader
packages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(packages)

DPKG = {
    "rc": 1,  # dpkg-query says so when one of the names is unknown
    "stdout": "containerd=1.6.20~ds1-1+deb12u3 installed\nrunc=1.1.5+ds1-1+deb12u1 installed\n"
    "keepalived=1:2.2.7-1+b2 installed\nhaproxy=2.6.12-1+deb12u4 config-files\n",
}


def test_a_spec_is_satisfied_by_an_installed_version_its_glob_matches() -> None:
    specs = ["containerd=1.6.20*", "runc=1.1.5*", "keepalived=1:2.2.7*"]
    assert packages.ko_missing_packages(DPKG, specs) == []


def test_other_versions_removed_or_unknown_packages_are_missing() -> None:
    specs = ["containerd=1.7.24*", "haproxy=2.6.12*", "etcd-server=3.4.23*", "runc", "haproxy"]
    assert packages.ko_missing_packages(DPKG, specs) == [
        "containerd=1.7.24*",
        "haproxy=2.6.12*",
        "etcd-server=3.4.23*",
        "haproxy",
    ]


def test_without_dpkg_answer_every_spec_goes_to_the_package_module() -> None:
    specs = ["containerd-1.7.24*", "runc-1.1*"]
    assert packages.ko_missing_packages({"skipped": True, "changed": False}, specs) == specs
    assert packages.ko_missing_packages(None, specs) == specs


def test_package_names_of_apt_specs() -> None:
    assert packages.ko_package_names(["keepalived=1:2.2.7*", "haproxy"]) == ["keepalived", "haproxy"]
