"""`ko_missing_packages`: which of a role's package specs the node does not have installed yet.

The roles install their packages from the offline repository with the package module, which loads
the whole apt cache on every call (seconds per node, every run). They first ask dpkg what is
installed (one `dpkg-query -W -f '${Package}=${Version} ${db:Status-Status}\\n' <names>`, the
output given here) and call the package module only with the specs this filter returns. A spec is
apt's `name=version-glob` (`containerd=1.7.24*`, `keepalived=1:2.2.7*`) or a bare `name`; it is
satisfied when dpkg reports that package installed at a version the glob matches, as apt would
select it. Without dpkg's answer (another OS family: yum/dnf, or the query skipped) every spec is
returned, so the package module decides as before.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from typing import Any


def _installed(result: Any) -> dict[str, str] | None:
    if not isinstance(result, Mapping) or result.get("skipped") or "stdout" not in result:
        return None
    out: dict[str, str] = {}
    for line in str(result["stdout"]).splitlines():
        entry, _, status = line.strip().rpartition(" ")
        name, sep, version = entry.partition("=")
        if sep and status == "installed":
            out[name] = version
    return out


def ko_missing_packages(result: Any, specs: Sequence[str]) -> list[str]:
    installed = _installed(result)
    if installed is None:
        return list(specs)
    missing = []
    for spec in specs:
        name, sep, pattern = str(spec).partition("=")
        version = installed.get(name)
        if version is None or (sep and not fnmatch.fnmatchcase(version, pattern)):
            missing.append(spec)
    return missing


def ko_package_names(specs: Sequence[str]) -> list[str]:
    """The package names of apt specs (`name=version-glob` or `name`)."""
    return [str(spec).partition("=")[0] for spec in specs]


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"ko_missing_packages": ko_missing_packages, "ko_package_names": ko_package_names}
