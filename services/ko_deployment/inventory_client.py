"""The deployment service's calls to inventory (internal API, signed as the deployment service)."""

from __future__ import annotations

from typing import Any

import httpx

from ko_common.errors import Conflict, Unavailable
from ko_common.identity import HEADER, Identity, service_identity, sign
from ko_common.operations.ansible.runner import NodeAccess


class HostsMissing(Exception):
    """Inventory no longer has (some of) the operation's hosts: the operation cannot run."""


class InventoryClient:
    def __init__(self, base_url: str, identity_key: bytes, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.identity_key = identity_key
        self.timeout = timeout

    def _headers(self, identity: Identity | None = None) -> dict[str, str]:
        who = identity or service_identity("deployment")
        return {HEADER: sign(who, self.identity_key, "inventory")}

    async def _call(self, method: str, path: str, identity: Identity, **kw: Any) -> httpx.Response:
        try:
            async with httpx.AsyncClient(timeout=self.timeout, trust_env=False) as http:
                return await http.request(method, self.base_url + path, headers=self._headers(identity), **kw)
        except httpx.HTTPError as exc:
            raise Unavailable("The inventory service is not reachable: retry shortly.") from exc

    async def project_hosts(self, identity: Identity, project_id: str) -> list[dict[str, Any]]:
        """The project's hosts with status and facts, as the caller may see them."""
        out: list[dict[str, Any]] = []
        while True:
            r = await self._call(
                "GET", "/api/v1/hosts", identity, params={"project_id": project_id, "limit": 500, "offset": len(out)}
            )
            if r.status_code != 200:
                raise Unavailable(f"The inventory service answered {r.status_code} listing hosts: retry shortly.")
            page = r.json()
            out += page["items"]
            if len(out) >= page["total"] or not page["items"]:
                return out

    async def plan(self, identity: Identity, plan_id: str) -> dict[str, Any] | None:
        """The plan as the caller may see it; None when it is not there for them."""
        r = await self._call("GET", f"/api/v1/plans/{plan_id}", identity)
        if r.status_code in (403, 404):
            return None
        if r.status_code != 200:
            raise Unavailable(f"The inventory service answered {r.status_code} reading plan {plan_id}: retry shortly.")
        answer: dict[str, Any] = r.json()
        return answer

    async def claim(self, identity: Identity, project_id: str, cluster_id: str, host_ids: list[str]) -> None:
        body = {"project_id": project_id, "cluster_id": cluster_id, "host_ids": host_ids}
        r = await self._call("POST", "/internal/hosts/claim", identity, json=body)
        if r.status_code == 409:
            raise Conflict(r.json().get("detail", "Some hosts joined another cluster meanwhile."), field="nodes")
        if r.status_code != 200:
            raise Unavailable(f"The inventory service answered {r.status_code} claiming hosts: retry shortly.")

    async def release(self, identity: Identity, cluster_id: str, host_ids: list[str] | None = None) -> None:
        body: dict[str, Any] = {"cluster_id": cluster_id, "host_ids": host_ids}
        r = await self._call("POST", "/internal/hosts/release", identity, json=body)
        if r.status_code != 200:
            raise Unavailable(f"The inventory service answered {r.status_code} releasing hosts.")

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
