"""The provisioning service's calls to inventory (its internal provisioning routes, signed as this service).

Refusals inventory answers with (422, 404, 409) keep their detail and field; an inventory that does not
answer is `Unavailable` (the caller retries).
"""

from __future__ import annotations

from typing import Any

import httpx

from ko_common.errors import Conflict, InvalidInput, NotFound, Unavailable
from ko_common.identity import HEADER, service_identity, sign

BASE = "/internal/provisioning"


class InventoryClient:
    def __init__(self, base_url: str, identity_key: bytes, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.identity_key = identity_key
        self.timeout = timeout

    async def _call(self, method: str, path: str, **kw: Any) -> Any:
        headers = {HEADER: sign(service_identity("provisioning"), self.identity_key, "inventory")}
        try:
            async with httpx.AsyncClient(timeout=self.timeout, trust_env=False) as http:
                r = await http.request(method, self.base_url + BASE + path, headers=headers, **kw)
        except httpx.HTTPError as exc:
            raise Unavailable(f"The inventory service is not reachable ({type(exc).__name__}): retry shortly.") from exc
        if r.status_code < 300:
            return r.json()
        try:
            body = r.json()
            detail, field = str(body.get("detail") or r.text[:300]), body.get("field")
        except ValueError:
            detail, field = r.text[:300], None
        if r.status_code == 404:
            raise NotFound(detail, field=field)
        if r.status_code == 409:
            raise Conflict(detail, field=field)
        if r.status_code == 422:
            raise InvalidInput(detail, field=field)
        raise Unavailable(f"The inventory service answered {r.status_code}: {detail}")

    async def plan(self, plan_id: str) -> dict[str, Any]:
        """The plan, its region (with the cloud API password: never log this) and its zones with their pools."""
        answer: dict[str, Any] = await self._call("GET", f"/plans/{plan_id}")
        return answer

    async def allocate(self, pool_id: str, owner: str, count: int) -> list[str]:
        answer = await self._call("POST", f"/ip-pools/{pool_id}/allocate", json={"owner": owner, "count": count})
        return list(answer["addresses"])

    async def release(self, pool_id: str, owner: str) -> list[str]:
        answer = await self._call("POST", f"/ip-pools/{pool_id}/release", json={"owner": owner})
        return list(answer["addresses"])

    async def release_addresses(self, pool_id: str, addresses: list[str]) -> list[str]:
        answer = await self._call("POST", f"/ip-pools/{pool_id}/release", json={"addresses": addresses})
        return list(answer["addresses"])

    async def register(
        self, project_id: str, owner: str, credential: dict[str, str], hosts: list[dict[str, Any]]
    ) -> dict[str, Any]:
        body = {"project_id": project_id, "owner": owner, "credential": credential, "hosts": hosts}
        answer: dict[str, Any] = await self._call("POST", "/hosts", json=body)
        return answer

    async def forget(self, project_id: str, host_ids: list[str], credential_id: str | None) -> list[str]:
        body = {"project_id": project_id, "host_ids": host_ids, "credential_id": credential_id}
        answer = await self._call("POST", "/hosts/forget", json=body)
        return list(answer["deleted"])
