"""Checks of a cluster spec's `advanced` block: extra kubelet, kube-proxy, containerd and control-plane settings.

The blocks are merged by the playbooks into what KubeOperator renders (kubeadm's configuration,
/etc/containerd/config.toml), so a name the component does not know, or a setting KubeOperator
itself manages, is refused here with its field path, instead of failing on the hosts mid-deploy.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from ko_deployment.clusters.config_fields import (
    CONTAINERD_MANAGED,
    CONTROL_PLANE_MANAGED,
    KUBE_PROXY_FIELDS,
    KUBE_PROXY_MANAGED,
    KUBELET_FIELDS,
    KUBELET_MANAGED,
    SUPPORTED_MINORS,
    Known,
)
from ko_deployment.clusters.schemas import AdvancedSpec

Problems = list[tuple[str, str]]

_FLAG = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DURATION = re.compile(r"0|-?(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+")
# Table keys: what a TOML bare key allows, plus the dots, slashes and colons of plugin ids and
# registry hosts (such keys are written quoted); nothing that would need escaping.
_TOML_KEY = re.compile(r"[A-Za-z0-9_.:/-]{1,128}")
_MAX_DEPTH = 8


def minor_of(version: str) -> int | None:
    match = re.match(r"v?1\.(\d+)", version)
    return int(match.group(1)) if match else None


def check(advanced: AdvancedSpec, version: str) -> Problems:
    """Problems with the advanced settings, as (field, message); empty when they can be applied."""
    minor = minor_of(version)
    if minor not in SUPPORTED_MINORS:
        minor = None  # the version itself is reported elsewhere; accept the fields of any supported minor
    problems: Problems = []
    problems += _config(
        advanced.kubelet_config, "advanced.kubelet_config", "KubeletConfiguration", KUBELET_FIELDS,
        KUBELET_MANAGED, minor,
    )  # fmt: skip
    problems += _config(
        advanced.kube_proxy_config, "advanced.kube_proxy_config", "KubeProxyConfiguration", KUBE_PROXY_FIELDS,
        KUBE_PROXY_MANAGED, minor,
    )  # fmt: skip
    for component, managed in CONTROL_PLANE_MANAGED.items():
        args: dict[str, str] = getattr(advanced.control_plane_args, component)
        problems += _flags(args, f"advanced.control_plane_args.{component}", managed)
    problems += _toml(advanced.containerd_config, "advanced.containerd_config", ())
    return problems


def _config(
    given: dict[str, Any], where: str, kind: str, known: dict[str, Known], managed: dict[str, str], minor: int | None
) -> Problems:
    problems: Problems = []
    for name, value in given.items():
        path = f"{where}.{name}"
        if name in managed:
            problems.append((path, f"{managed[name]}: leave it out of {where}"))
            continue
        field = known.get(name)
        if field is None:
            usable = sorted(n for n, k in known.items() if n not in managed and (minor is None or k.since <= minor))
            close = difflib.get_close_matches(name, usable, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            problems.append((path, f"unknown {kind} field; {hint}known fields include {', '.join(usable[:12])}, ..."))
            continue
        if minor is not None and field.since > minor:
            problems.append((path, f"{kind} has this field from Kubernetes 1.{field.since}; this cluster is 1.{minor}"))
            continue
        wrong = _type_problem(field.type, value)
        if wrong:
            problems.append((path, wrong))
    return problems


def _type_problem(kind: str, value: Any) -> str | None:
    if kind == "bool":
        ok = isinstance(value, bool)
        want = "true or false"
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
        want = "a whole number"
    elif kind == "float":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        want = "a number"
    elif kind == "duration":
        ok = isinstance(value, str) and bool(_DURATION.fullmatch(value))
        want = 'a duration as a string, e.g. "10s" or "1m30s"'
    elif kind == "str":
        ok = isinstance(value, str)
        want = "a string"
    elif kind == "list":
        ok = isinstance(value, list)
        want = "a list"
    elif kind == "map":
        ok = isinstance(value, dict)
        want = "a map of names to values"
    else:
        ok = isinstance(value, dict)
        want = "an object"
    return None if ok else f"must be {want}"


def _flags(args: dict[str, str], where: str, managed: dict[str, str]) -> Problems:
    problems: Problems = []
    for flag in args:
        path = f"{where}.{flag}"
        if flag.startswith("-"):
            problems.append((path, f"give the flag name without leading dashes, e.g. {flag.lstrip('-')}"))
        elif not _FLAG.fullmatch(flag):
            problems.append((path, "a flag name is lower-case letters, digits and '-', e.g. audit-log-maxage"))
        elif flag in managed:
            problems.append((path, f"{managed[flag]}: leave it out of {where}"))
    return problems


def _toml(table: dict[str, Any], where: str, keys: tuple[str, ...]) -> Problems:
    problems: Problems = []
    for key, value in table.items():
        path = f'{where}."{key}"' if "." in key else f"{where}.{key}"
        here = (*keys, key)
        if not _TOML_KEY.fullmatch(key):
            problems.append((path, "a key is 1 to 128 letters, digits, '_', '-', '.', ':' or '/'"))
            continue
        if here in CONTAINERD_MANAGED:
            problems.append((path, f"{CONTAINERD_MANAGED[here]}: leave it out of advanced.containerd_config"))
            continue
        if isinstance(value, dict):
            if len(here) >= _MAX_DEPTH:
                problems.append((path, f"tables nest at most {_MAX_DEPTH} deep"))
            else:
                problems += _toml(value, path, here)
        elif not _toml_value(value):
            problems.append((path, "must be a string, number, true/false, a list of those, or a table (no null)"))
    return problems


def _toml_value(value: Any) -> bool:
    if isinstance(value, list):
        return all(_toml_value(v) and not isinstance(v, list) for v in value)
    return isinstance(value, str | int | float | bool)
