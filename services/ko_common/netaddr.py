"""This machine's addresses, as the start-up banner and the API show them to people.

Which address a node is given for the offline repository is decided per node where the playbooks
render it (playbooks/filter_plugins/repository.py: the kernel's route lookup towards that node).
"""

from __future__ import annotations

import ipaddress
import subprocess
from functools import lru_cache


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
