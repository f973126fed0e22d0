"""Checks of a cluster spec's `advanced` block: extra kubelet, kube-proxy, containerd and control-plane settings.

The blocks are merged by the playbooks into what KubeOperator renders (kubeadm's configuration,
/etc/containerd/config.toml), so a name the component does not know, a setting KubeOperator itself
manages, or a value of the wrong type or outside the component's range, is refused here with its
field path, instead of failing on the hosts mid-deploy. The kubelet's cgroup driver may be set
(cgroupfs for hosts without systemd cgroup controllers; runc's SystemdCgroup follows it), and runc's
SystemdCgroup too, but only in agreement: a disagreeing pair breaks the pods' cgroups.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

from ko_deployment.clusters.config_fields import (
    CONTAINERD_MANAGED,
    CONTROL_PLANE_MANAGED,
    KUBE_PROXY_FIELDS,
    KUBE_PROXY_MANAGED,
    KUBELET_DEFAULTS,
    KUBELET_FIELDS,
    KUBELET_MANAGED,
    SUPPORTED_MINORS,
    SYSTEMD_CGROUP,
    Known,
    Limit,
)
from ko_deployment.clusters.schemas import AdvancedSpec

Problems = list[tuple[str, str]]

_FLAG = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
# Go's time.ParseDuration: an optional sign, then number-unit pairs ("1h30m", "1.5s", ".5s"), or "0".
_DURATION_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
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
    problems += _kubelet_pairs(advanced.kubelet_config)
    problems += _cgroups(advanced)
    return problems


def seconds(duration: str) -> float | None:
    """A Go duration string in seconds, or None when Go would not parse it."""
    text, sign = duration, 1.0
    if text[:1] in ("+", "-"):
        sign, text = (-1.0 if text[0] == "-" else 1.0), text[1:]
    if text == "0":
        return 0.0
    total, pos = 0.0, 0
    while pos < len(text):
        part = _DURATION_PART.match(text, pos)
        if part is None:
            return None
        total += float(part.group(1)) * _SECONDS[part.group(2)]
        pos = part.end()
    return sign * total if text else None


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
        wrong = _type_problem(field.type, value) or _value_problem(field, value)
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
        ok = isinstance(value, str) and seconds(value) is not None
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


def _value_problem(field: Known, value: Any) -> str | None:
    if field.choices:
        return None if value in field.choices else f"must be one of {', '.join(field.choices)}"
    if field.type == "duration":
        number = seconds(value)
        assert number is not None  # the type check passed
        if field.limit is None:
            return "must not be negative" if number < 0 else None
        return _limit_problem(field.limit, number, "a duration", _show_duration)
    if field.limit is not None and field.type in ("int", "float"):
        noun = "a whole number" if field.type == "int" else "a number"
        return _limit_problem(field.limit, value, noun, lambda v: f"{v:g}")
    return None


def _limit_problem(limit: Limit, value: float, noun: str, show: Callable[[float], str]) -> str | None:
    low, high = limit.low, limit.high
    if value in limit.also or (
        (low is None or value > low or (value == low and not limit.above)) and (high is None or value <= high)
    ):
        return None
    if low is not None and high is not None:
        span = (
            f"greater than {show(low)} and at most {show(high)}" if limit.above else f"from {show(low)} to {show(high)}"
        )
    elif low is not None:
        span = f"greater than {show(low)}" if limit.above else f"of at least {show(low)}"
    else:
        span = f"of at most {show(high or 0)}"
    alt = "".join(f", or {show(a)}" for a in limit.also) + (f" ({limit.why})" if limit.why else "")
    return f"must be {noun} {span}{alt}"


def _show_duration(value: float) -> str:
    return f"{value * 1000:g}ms" if 0 < abs(value) < 1 else f"{value:g}s"


def _kubelet_pairs(given: dict[str, Any]) -> Problems:
    """What the kubelet refuses about two fields together, the missing one at its default."""
    kubelet = KUBELET_DEFAULTS | given
    problems: Problems = []
    low, high = kubelet["imageGCLowThresholdPercent"], kubelet["imageGCHighThresholdPercent"]
    if isinstance(low, int) and isinstance(high, int) and low >= high:
        field = "imageGCLowThresholdPercent" if "imageGCLowThresholdPercent" in given else "imageGCHighThresholdPercent"
        problems.append((f"advanced.kubelet_config.{field}", f"imageGCLowThresholdPercent ({low}) must be less "
                                                             f"than imageGCHighThresholdPercent ({high})"))  # fmt: skip
    pulls = given.get("maxParallelImagePulls")
    if isinstance(pulls, int) and pulls > 1 and kubelet["serializeImagePulls"] is True:
        problems.append(("advanced.kubelet_config.maxParallelImagePulls",
                         "more than 1 needs serializeImagePulls false too (it is true by default)"))  # fmt: skip
    return problems


def _cgroups(advanced: AdvancedSpec) -> Problems:
    """A SystemdCgroup given agrees with the kubelet's cgroup driver (systemd unless given).

    Not given, runc's driver follows the kubelet's (the containerd role derives it), so cgroupfs alone is enough.
    """
    kubelet = "advanced.kubelet_config.cgroupDriver"
    driver = advanced.kubelet_config.get("cgroupDriver", KUBELET_DEFAULTS["cgroupDriver"])
    if driver not in KUBELET_FIELDS["cgroupDriver"].choices:
        return []  # refused by the value check
    systemd = driver == "systemd"
    given = [(_path(keys), value) for keys in SYSTEMD_CGROUP
             if (value := _dig(advanced.containerd_config, keys)) is not None]  # fmt: skip
    if any(not isinstance(value, bool) for _, value in given):
        return []  # refused by the table check
    problems: Problems = []
    for path, value in given:
        if value != systemd:
            why = (f"kubelet cgroupDriver {driver} and containerd's SystemdCgroup {str(value).lower()} disagree: "
                   "give cgroupDriver cgroupfs with SystemdCgroup false (hosts without systemd cgroup controllers) "
                   "or systemd with true, or leave SystemdCgroup out: it follows cgroupDriver")  # fmt: skip
            problems += [(kubelet, why), (path, why)]
    return list(dict.fromkeys(problems))


def _dig(table: dict[str, Any], keys: tuple[str, ...]) -> Any:
    value: Any = table
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _path(keys: tuple[str, ...]) -> str:
    return ".".join(["advanced.containerd_config", *(f'"{k}"' if "." in k else k for k in keys)])


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
        if here in SYSTEMD_CGROUP and not isinstance(value, bool):
            problems.append((path, "must be true or false (false with kubelet cgroupDriver cgroupfs)"))
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
