"""What the API answers and the events carry about a cluster's health (never a kubeconfig nor a key)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ko_observability.health.models import ClusterHealth

HealthState = Literal["unknown", "healthy", "degraded", "unreachable"]


class FindingOut(BaseModel):
    code: str = Field(
        description="Stable code of the problem (alert rules key on it): api-unreachable, credentials-refused, "
        "kubeconfig-invalid, etcd-unhealthy, readyz-failing, api-not-ready, list-failed, no-nodes, node-not-ready, "
        "node-pressure, control-plane-not-ready, control-plane-missing, too-many-problems, certificate-expiring, "
        "certificate-expired, backup-failed, backup-too-old."
    )
    subject: str | None = Field(description="What it is about: a node, a readiness check, a component, a certificate.")
    message: str = Field(description="The sentence shown to people (the same as in reasons).")


class ClusterHealthOut(BaseModel):
    cluster_id: str
    project_id: str
    name: str
    cluster_status: str = Field(description="The cluster's status in the deployment service (running, ...).")
    state: HealthState = Field(
        description="healthy; degraded (see reasons); unreachable (see unreachable_since); unknown: not checked "
        "yet, or not checked while the cluster is not running, scaling or upgrading."
    )
    reasons: list[str] = Field(description="Why the cluster is degraded or unreachable, one sentence each.")
    findings: list[FindingOut] = Field(description="The reasons with their codes and subjects, in the same order.")
    checked_at: datetime | None = Field(description="When the verdict was reached.")
    unreachable_since: datetime | None = Field(description="First check of the current unreachable spell.")
    latency_ms: float | None = Field(description="The API server's /readyz answer time at the last check.")
    nodes_ready: int | None
    nodes_total: int | None
    certificates_expire_at: datetime | None = Field(
        description="Soonest expiry of the cluster's certificates at their last check (none checked yet: null)."
    )
    last_backup_at: datetime | None = Field(description="When the cluster's last good backup finished.")

    @classmethod
    def of(cls, row: ClusterHealth) -> ClusterHealthOut:
        return cls(
            cluster_id=row.cluster_id,
            project_id=row.project_id,
            name=row.name,
            cluster_status=row.cluster_status,
            state=row.state,  # type: ignore[arg-type]
            reasons=json.loads(row.reasons),
            findings=json.loads(row.findings or "[]"),
            checked_at=row.checked_at,
            unreachable_since=row.unreachable_since,
            latency_ms=row.latency_ms,
            nodes_ready=row.nodes_ready,
            nodes_total=row.nodes_total,
            certificates_expire_at=row.certificates_expire_at,
            last_backup_at=row.last_backup_at,
        )


class ClusterHealthEvent(ClusterHealthOut):
    """A cluster's health after a change of state or of reasons."""

    previous_state: HealthState
    previous_reasons: list[str]
    previous_findings: list[FindingOut]


class ClusterAnnounced(BaseModel):
    """The part of the deployment's ClusterEvent this service reads (the contract in docs/events/asyncapi.json)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    project_id: str
    name: str
    status: str


class CertificateSeen(BaseModel):
    model_config = ConfigDict(extra="ignore")

    node: str
    path: str
    not_after: datetime


class CertificatesChecked(BaseModel):
    """The part of the deployment's certificates-checked event this service reads."""

    model_config = ConfigDict(extra="ignore")

    cluster_id: str
    soonest: CertificateSeen | None = None


class BackupSeen(BaseModel):
    """The part of the backup service's BackupEvent and StrategyEvent this service reads."""

    model_config = ConfigDict(extra="ignore")

    cluster_id: str
    enabled: bool = True
