"""Host facts: one POSIX shell script run as the login user, parsed here.

The script needs no root, no Python and no package beyond what every supported OS ships
(coreutils, util-linux, iproute2, /proc); a missing tool leaves its section empty rather than
failing. Ports are read from /proc/net (hex), so no `ss`/`netstat` version differences matter.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

FACTS_SCRIPT = r"""
LC_ALL=C; export LC_ALL
echo '@@uid'; id -u
echo '@@os'; cat /etc/os-release 2>/dev/null
echo '@@kernel'; uname -r
echo '@@arch'; uname -m
echo '@@hostname'; cat /proc/sys/kernel/hostname
echo '@@cpus'; nproc 2>/dev/null || grep -c '^processor' /proc/cpuinfo
echo '@@meminfo'; grep -E '^(MemTotal|MemAvailable|SwapTotal):' /proc/meminfo
echo '@@swaps'; tail -n +2 /proc/swaps 2>/dev/null
echo '@@disks'; lsblk -b -d -n -P -o NAME,SIZE,TYPE 2>/dev/null
echo '@@df'; df -P -k / /var 2>/dev/null | tail -n +2
echo '@@addrs'; ip -o addr show 2>/dev/null
echo '@@tcp'; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" {print $2}'
echo '@@udp'; cat /proc/net/udp /proc/net/udp6 2>/dev/null | awk '$4 == "07" {print $2}'
echo '@@clock'; date +%s%N
echo '@@end'
"""

# Ports a Kubernetes node of ours listens on; one already taken makes the deploy fail.
KUBERNETES_PORTS: dict[tuple[str, int], str] = {
    ("tcp", 80): "ingress (Traefik) HTTP",
    ("tcp", 443): "ingress (Traefik) HTTPS",
    ("tcp", 179): "Calico BGP",
    ("tcp", 2379): "etcd client",
    ("tcp", 2380): "etcd peer",
    ("tcp", 6443): "kube-apiserver",
    ("tcp", 8443): "API load balancer (haproxy)",
    ("tcp", 10250): "kubelet",
    ("tcp", 10256): "kube-proxy health",
    ("tcp", 10257): "kube-controller-manager",
    ("tcp", 10259): "kube-scheduler",
    ("udp", 4789): "Calico VXLAN",
    ("udp", 8472): "Flannel VXLAN",
}

# OS families the playbooks support (issue 5 refines the versions); anything else is reported unsupported.
SUPPORTED_OS: dict[str, tuple[str, tuple[str, ...]]] = {
    "debian": ("debian", ("12",)),
    "ubuntu": ("debian", ("22.04", "24.04")),
    "rocky": ("rhel", ("8", "9")),
    "almalinux": ("rhel", ("8", "9")),
    "centos": ("rhel", ("7",)),
    "openeuler": ("rhel", ("20.03", "22.03", "24.03")),
    "kylin": ("rhel", ("V10",)),
}


def parse_facts(output: str) -> dict[str, Any]:
    sections = _sections(output)
    os_release = _os_release(sections.get("os", []))
    memory = _meminfo(sections.get("meminfo", []))
    swaps = [line for line in sections.get("swaps", []) if line.strip()]
    df = _df(sections.get("df", []))
    return {
        "uid": _int(_first(sections.get("uid"))),
        "clock_ns": _int(_first(sections.get("clock"))),
        "os": os_release,
        "kernel": _first(sections.get("kernel")),
        "arch": _first(sections.get("arch")),
        "hostname": _first(sections.get("hostname")),
        "cpus": _int(_first(sections.get("cpus"))),
        "memory_bytes": memory.get("MemTotal"),
        "memory_available_bytes": memory.get("MemAvailable"),
        "swap_on": bool(swaps),
        "swap_bytes": memory.get("SwapTotal"),
        "disks": _disks(sections.get("disks", [])),
        "root_free_bytes": df.get("/"),
        "var_free_bytes": df.get("/var", df.get("/")),
        "addresses": _addresses(sections.get("addrs", [])),
        "ports_in_use": _ports(sections.get("tcp", []), sections.get("udp", [])),
    }


def os_support(os_release: dict[str, Any]) -> tuple[bool, str]:
    """Whether the deploy supports this OS, with the reason when not."""
    os_id = str(os_release.get("id") or "").lower()
    version = str(os_release.get("version_id") or "")
    if os_id not in SUPPORTED_OS:
        names = ", ".join(sorted(SUPPORTED_OS))
        return False, f"{os_release.get('name') or os_id or 'This OS'} is not supported; supported: {names}."
    _, versions = SUPPORTED_OS[os_id]
    if not any(version == v or version.startswith(v + ".") for v in versions):
        return False, f"{os_id} {version} is not supported; supported versions: {', '.join(versions)}."
    return True, ""


def _sections(output: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in output.splitlines():
        if line.startswith("@@"):
            current = sections.setdefault(line[2:].strip(), [])
        elif current is not None:
            current.append(line)
    return sections


def _first(lines: list[str] | None) -> str | None:
    for line in lines or []:
        if line.strip():
            return line.strip()
    return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _os_release(lines: list[str]) -> dict[str, Any]:
    values: dict[str, str] = {}
    for line in lines:
        key, sep, raw = line.partition("=")
        if not sep or not key.strip():
            continue
        try:
            parts = shlex.split(raw)
        except ValueError:
            parts = [raw.strip("\"'")]
        values[key.strip()] = parts[0] if parts else ""
    os_id = values.get("ID", "").lower()
    family = SUPPORTED_OS.get(os_id, ("", ()))[0]
    if not family:
        like = values.get("ID_LIKE", "").lower().split()
        family = "debian" if "debian" in like else "rhel" if {"rhel", "fedora", "centos"} & set(like) else "other"
    info: dict[str, Any] = {
        "id": os_id or None,
        "version_id": values.get("VERSION_ID") or None,
        "name": values.get("PRETTY_NAME") or values.get("NAME") or None,
        "family": family,
    }
    supported, reason = os_support(info)
    info["supported"] = supported
    info["unsupported_reason"] = reason or None
    return info


def _meminfo(lines: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in lines:
        match = re.match(r"(\w+):\s+(\d+)\s*kB", line)
        if match:
            out[match.group(1)] = int(match.group(2)) * 1024
    return out


def _disks(lines: list[str]) -> list[dict[str, Any]]:
    disks = []
    for line in lines:
        pairs = dict(re.findall(r'(\w+)="([^"]*)"', line))
        size = _int(pairs.get("SIZE"))
        if pairs.get("TYPE") == "disk" and size:
            disks.append({"name": pairs.get("NAME", ""), "size_bytes": size})
    return disks


def _df(lines: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in lines:
        parts = line.split()
        if len(parts) >= 6 and parts[3].isdigit():
            out[parts[5]] = int(parts[3]) * 1024
    return out


def _addresses(lines: list[str]) -> list[dict[str, Any]]:
    addresses = []
    for line in lines:
        match = re.match(r"\d+:\s+(\S+)\s+(inet6?)\s+([0-9a-fA-F.:]+)/(\d+)", line)
        if not match:
            continue
        interface, family, address, prefix = match.groups()
        if interface == "lo" or address.startswith("fe80:"):
            continue
        addresses.append(
            {
                "interface": interface,
                "address": address,
                "prefix": int(prefix),
                "family": "ipv6" if family == "inet6" else "ipv4",
            }
        )
    return addresses


def _ports(tcp: list[str], udp: list[str]) -> list[dict[str, Any]]:
    taken: set[tuple[str, int]] = set()
    for proto, lines in (("tcp", tcp), ("udp", udp)):
        for line in lines:
            _, _, port_hex = line.strip().rpartition(":")
            try:
                taken.add((proto, int(port_hex, 16)))
            except ValueError:
                continue
    return [
        {"protocol": proto, "port": port, "purpose": KUBERNETES_PORTS[(proto, port)]}
        for proto, port in sorted(taken)
        if (proto, port) in KUBERNETES_PORTS
    ]
