"""The deployment service's calls to the provisioning service: its operations through the job-request
contract (`provision`, `destroy` of a cluster's workspace) and the VMs of a workspace (internal route)."""

from __future__ import annotations

from typing import Any

import httpx

from ko_common.identity import HEADER, service_identity, sign
from ko_common.operations.executors import StepFailed
from ko_common.operations.jobs import OperationRequester


class ProvisioningClient:
    def __init__(self, base_url: str, identity_key: bytes, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.identity_key = identity_key
        self.timeout = timeout
        self.jobs = OperationRequester(base_url, "provisioning", identity_key, "deployment", timeout=timeout)

    async def workspace(self, workspace_id: str) -> dict[str, Any]:
        headers = {HEADER: sign(service_identity("deployment"), self.identity_key, "provisioning")}
        try:
            async with httpx.AsyncClient(timeout=self.timeout, trust_env=False) as http:
                r = await http.get(f"{self.base_url}/internal/workspaces/{workspace_id}", headers=headers)
        except httpx.HTTPError as exc:
            raise StepFailed(f"The provisioning service is not reachable ({type(exc).__name__}).",
                             hint="Check that it runs (KO_PROVISIONING_URL), then retry.") from exc  # fmt: skip
        if r.status_code != 200:
            raise StepFailed(f"The provisioning service answered {r.status_code} for workspace {workspace_id}: "
                             f"{r.text[:300]}")  # fmt: skip
        answer: dict[str, Any] = r.json()
        return answer
