"""`ko_repository_base`: the offline repository's URL as one node is told it.

Filters run on the control node (the deployment service's machine), so this one can ask its kernel
which local address packets to the node leave from: on one machine whatever the nodes' networks are,
that is the address the node reaches us back on. ``ko_repository`` comes from the engine at every run
(a retry sees a changed setting): ``url`` when an administrator set one (KO_REPOSITORY_URL: a load
balancer, an ingress, NAT), else ``port`` and ``path`` on this machine's address facing the node.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any


def _source_address(remote: str) -> str:
    for family, _, _, _, sockaddr in socket.getaddrinfo(remote, 9, proto=socket.IPPROTO_UDP):
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            try:
                s.connect(sockaddr)  # a route lookup only: UDP sends nothing on connect
            except OSError:
                continue
            address = str(s.getsockname()[0])
            return f"[{address}]" if family == socket.AF_INET6 else address
    raise ValueError(f"this machine has no route to the node {remote}")


def ko_repository_base(repository: Mapping[str, Any], node: str) -> str:
    url = str(repository.get("url") or "").rstrip("/")
    if url:
        return url
    path = "/" + str(repository.get("path") or "/repository").strip("/")
    return f"http://{_source_address(node)}:{int(repository['port'])}{path}"


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"ko_repository_base": ko_repository_base}
