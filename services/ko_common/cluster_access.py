"""A service's way to a cluster's admin kubeconfig: the deployment service's internal endpoint.

Only the services named in the deployment service's ``KO_CLUSTER_ACCESS_SERVICES`` (observability,
backup and tools by default) are answered; every grant, and every refusal to a service, is recorded
there as an event. The caller signs a short-lived service identity for the deployment service, as
``service_identity(name)`` with the shared identity key. The kubeconfig is a secret: it is never
logged, never put in an exception's message, and hidden from ``repr`` of what is returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from ko_common.identity import HEADER, service_identity, sign

# The route, written once: the deployment service serves it, this client calls it.
PATH = "/internal/clusters/{cluster_id}/kubeconfig"
INFO_PATH = "/internal/clusters/{cluster_id}"


class ClusterAccessError(Exception):
    """The kubeconfig could not be had; the message says why and what to do."""


class ClusterAccessRefused(ClusterAccessError):
    """403 (or 401): this service is not allowed, or its identity was not accepted (key, clock)."""


class ClusterNotFound(ClusterAccessError):
    """404: no such cluster (deleted meanwhile, or a wrong id)."""


class ClusterNotDeployed(ClusterAccessError):
    """409: the cluster has no kubeconfig yet (its deploy has not succeeded)."""


class DeploymentUnavailable(ClusterAccessError):
    """The deployment service did not answer, or answered with an unexpected status: retry later."""


@dataclass(frozen=True)
class ClusterAccess:
    cluster_id: str
    project_id: str
    name: str
    server: str | None  # the API server URL of the kubeconfig's current context, when it says one
    kubeconfig: str = field(repr=False)


@dataclass(frozen=True)
class ClusterInfo:
    cluster_id: str
    project_id: str
    name: str
    status: str
    version: str
    masters: tuple[str, ...]


class ClusterAccessClient:
    def __init__(
        self,
        deployment_url: str,
        identity_key: bytes | str,
        service_name: str,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.deployment_url = deployment_url.rstrip("/")
        self.identity_key = identity_key.encode() if isinstance(identity_key, str) else identity_key
        self.service_name = service_name
        self.timeout = timeout
        self.transport = transport

    async def kubeconfig(self, cluster_id: str) -> ClusterAccess:
        """The cluster's admin kubeconfig; raises a `ClusterAccessError` subclass when it cannot be had."""
        body = await self._get(PATH, cluster_id)
        return ClusterAccess(
            cluster_id=body["cluster_id"],
            project_id=body["project_id"],
            name=body["name"],
            server=body.get("server"),
            kubeconfig=body["kubeconfig"],
        )

    async def info(self, cluster_id: str) -> ClusterInfo:
        """The cluster's project, name, status, version and master names (same errors as `kubeconfig`)."""
        body = await self._get(INFO_PATH, cluster_id)
        return ClusterInfo(
            cluster_id=body["cluster_id"],
            project_id=body["project_id"],
            name=body["name"],
            status=body["status"],
            version=body["version"],
            masters=tuple(body.get("masters") or ()),
        )

    async def _get(self, path: str, cluster_id: str) -> dict[str, Any]:
        url = self.deployment_url + path.format(cluster_id=quote(cluster_id, safe=""))
        token = sign(service_identity(self.service_name), self.identity_key, "deployment")
        try:
            async with httpx.AsyncClient(timeout=self.timeout, trust_env=False, transport=self.transport) as http:
                r = await http.get(url, headers={HEADER: token})
        except httpx.HTTPError as exc:
            raise DeploymentUnavailable(
                f"The deployment service at {self.deployment_url} is not reachable ({type(exc).__name__}): "
                "check KO_DEPLOYMENT_URL and that the service runs, then retry."
            ) from exc
        if r.status_code == 200:
            body: dict[str, Any] = r.json()
            return body
        # Error bodies are `{"error", "detail"}` sentences from the service; they never hold the kubeconfig.
        detail = _detail(r)
        if r.status_code in (401, 403):
            raise ClusterAccessRefused(f"Cluster {cluster_id}: {detail}")
        if r.status_code == 404:
            raise ClusterNotFound(f"Cluster {cluster_id}: {detail}")
        if r.status_code == 409:
            raise ClusterNotDeployed(f"Cluster {cluster_id}: {detail}")
        raise DeploymentUnavailable(
            f"The deployment service answered {r.status_code} for cluster {cluster_id}: {detail}"
        )


def _detail(r: httpx.Response) -> str:
    try:
        body = r.json()
    except ValueError:
        body = None
    detail = body.get("detail") if isinstance(body, dict) else None
    return str(detail) if detail else r.text[:300] or r.reason_phrase
