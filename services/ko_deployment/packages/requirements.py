"""What a package's Kubernetes needs of the other components it carries, and whether the package has it.

A deploy runs etcd outside kubeadm (the etcd phase), and kubeadm's preflight check
ExternalEtcdVersion refuses an etcd older than its ``MinExternalEtcdVersion`` at ``kubeadm init``,
after the hosts were prepared. Planning refuses such a package instead, with this module's answer.

The minimum is what the package states (manifest ``requires``, which the builder copies from the
versions file), else for etcd ``KUBEADM_MIN_EXTERNAL_ETCD`` below by the package's Kubernetes minor.
The package's statement wins because kubeadm moves the minimum between patches of a minor; the table
keeps packages built before ``requires`` existed checked. A minor older than the table is not checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# kubeadm's MinExternalEtcdVersion (cmd/kubeadm/app/constants/constants.go) by Kubernetes minor, for
# the newest patches of each. 1.36: read in its source (3.5.24-0). 1.34 and 1.35: not read here; 3.5.24
# since kubeadm took etcd 3.5.24 on every supported branch in October 2025 (kubernetes/kubernetes#134779),
# before 1.35.0; 1.34.0 and 1.34.1 took 3.5.21. kubeadm only ever raises it: a newer minor takes the newest.
KUBEADM_MIN_EXTERNAL_ETCD: dict[tuple[int, int], str] = {
    (1, 34): "3.5.24",
    (1, 35): "3.5.24",
    (1, 36): "3.5.24",
}
# The kubeadm preflight check that compares the versions; ignoring it (or all) lets kubeadm run with any etcd.
ETCD_PREFLIGHT_CHECK = "externaletcdversion"

_VERSION = re.compile(r"v?(?:\d+:)?(\d+(?:\.\d+)*)")


def version_key(text: str) -> tuple[int, ...] | None:
    """The numeric part of a version as kubeadm compares it (3.5.24-0 and 1:3.5.24-1 are 3.5.24); None if none."""
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    parts = tuple(int(p) for p in match.group(1).split("."))
    return parts + (0,) * (3 - len(parts))


@dataclass(frozen=True)
class Minimum:
    component: str
    version: str
    why: str  # who asks for it, for messages: "the oldest external etcd kubeadm 1.36 accepts"


@dataclass(frozen=True)
class Shortfall:
    minimum: Minimum
    have: str | None  # the package's version of the component; None when it carries none

    def sentence(self) -> str:
        """What the package lacks, as "carries etcd 3.4.23, older than 3.5.24, the oldest ..."."""
        c, v, why = self.minimum.component, self.minimum.version, self.minimum.why
        if self.have is None:
            return f"carries no {c}; it needs {c} {v} or newer, {why}"
        if version_key(self.have) is None:
            return f"carries {c} {self.have!r}, which cannot be compared with {v}, {why}"
        return f"carries {c} {self.have}, older than {v}, {why}"


def minimums(manifest: Mapping[str, Any]) -> list[Minimum]:
    """The minimum versions ``manifest`` (a stored manifest, as a dict) must meet: what it states, and for an
    etcd it states nothing about, the table's of its Kubernetes minor."""
    stated = manifest.get("requires") or {}
    out = [Minimum(c, str(v), f"the oldest its manifest requires (requires.{c})") for c, v in stated.items()]
    version = version_key(str(manifest.get("kubernetesVersion", "")))
    known = [k for k in KUBEADM_MIN_EXTERNAL_ETCD if version is not None and k <= version[:2]]
    if "etcd" not in stated and version is not None and known:
        why = f"the oldest external etcd kubeadm {version[0]}.{version[1]} accepts"
        out.append(Minimum("etcd", KUBEADM_MIN_EXTERNAL_ETCD[max(known)], why))
    return out


def shortfalls(manifest: Mapping[str, Any], ignore: frozenset[str] = frozenset()) -> list[Shortfall]:
    """What ``manifest``'s components lack; ``ignore`` holds components whose check is switched off."""
    components = manifest.get("components") or {}
    out = []
    for minimum in minimums(manifest):
        if minimum.component in ignore:
            continue
        have = components.get(minimum.component)
        if have is None or not meets(str(have), minimum.version):
            out.append(Shortfall(minimum, None if have is None else str(have)))
    return out


def meets(have: str, minimum: str) -> bool:
    """Whether version ``have`` is ``minimum`` or newer; False when either is not a version."""
    have_key, want_key = version_key(have), version_key(minimum)
    return have_key is not None and want_key is not None and have_key >= want_key
