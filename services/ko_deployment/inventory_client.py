"""The deployment service's calls to inventory (internal API, signed as the deployment service)."""

from __future__ import annotations

from typing import Any

import httpx

from ko_common.identity import HEADER, service_identity, sign
from ko_deployment.engine.runner import NodeAccess


class HostsMissing(Exception):
    """Inventory no longer has (some of) the operation's hosts: the operation cannot run."""


class InventoryClient:
    def __init__(self, base_url: str, identity_key: bytes, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.identity_key = identity_key
        self.timeout = timeout

    def _headers(self) -> dict[str, str]:
        return {HEADER: sign(service_identity("deployment"), self.identity_key, "inventory")}

    async def access(self, host_ids: list[str]) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(timeout=self.timeout, trust_env=False) as http:
            r = await http.post(
                f"{self.base_url}/internal/hosts/access", json={"host_ids": host_ids}, headers=self._headers()
            )
        if r.status_code in (404, 422):
            raise HostsMissing(r.json().get("detail") or r.text[:300])
        if r.status_code != 200:
            # The body names what is wrong (a missing host, say); it never holds a secret on error.
            raise RuntimeError(f"inventory answered {r.status_code}: {r.text[:300]}")
        data: list[dict[str, Any]] = r.json()
        return data

    async def nodes(self, spec: dict[str, Any]) -> list[NodeAccess]:
        """The operation spec's nodes (`[{host_id, groups, hostvars}]`) with their logins."""
        wanted = spec.get("nodes") or []
        found = {a["host_id"]: a for a in await self.access([n["host_id"] for n in wanted])}
        out = []
        for node in wanted:
            a = found[node["host_id"]]
            out.append(
                NodeAccess(
                    name=a["name"],
                    ip=a["ip"],
                    port=int(a["port"]),
                    username=a["username"],
                    host_key=a["host_key"],
                    groups=tuple(node.get("groups") or ()),
                    hostvars=dict(node.get("hostvars") or {}),
                    password=a.get("password"),
                    private_key=a.get("private_key"),
                    passphrase=a.get("passphrase"),
                    become_password=a.get("password") if a.get("become") == "sudo_password" else None,
                )
            )
        return out
