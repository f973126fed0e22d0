"""Which address of this machine another machine reaches it at.

The nodes of a cluster fetch the offline repository from this machine. Which of its addresses they
can reach depends on the network they sit on, so the answer is asked per node: the kernel's route
lookup for the node's address names the local address packets to it leave from, and on every
network we have seen the node reaches us back on that address. A UDP ``connect`` does that lookup
without sending anything.
"""

from __future__ import annotations

import ipaddress
import socket
import subprocess
from functools import lru_cache


def source_address(remote: str) -> str | None:
    """The local address this machine would use to reach ``remote`` (an IP or a name), or None."""
    try:
        infos = socket.getaddrinfo(remote, 9, proto=socket.IPPROTO_UDP)
    except OSError:
        return None
    for family, _, _, _, sockaddr in infos:
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            try:
                s.connect(sockaddr)  # a route lookup only: UDP sends nothing on connect
            except OSError:
                continue
            address = str(s.getsockname()[0])
            return f"[{address}]" if family == socket.AF_INET6 else address
    return None


@lru_cache(maxsize=1)
def local_addresses() -> tuple[str, ...]:
    """This machine's IPv4 addresses other than loopback, in the order `ip` lists them (read once)."""
    try:
        out = subprocess.run(
            ["ip", "-o", "-4", "addr", "show", "up"], capture_output=True, text=True, timeout=5, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ()
    found: list[str] = []
    for line in out.splitlines():
        parts = line.split()
        if "inet" not in parts:
            continue
        address = parts[parts.index("inet") + 1].split("/")[0]
        try:
            if not ipaddress.IPv4Address(address).is_loopback and address not in found:
                found.append(address)
        except ValueError:
            continue
    return tuple(found)
