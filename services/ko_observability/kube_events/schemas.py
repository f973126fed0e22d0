"""What the API answers and the warning event carries about a Kubernetes event (never a kubeconfig)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from ko_observability.kube_events.models import KubeEvent

EventType = Literal["Normal", "Warning"]
MESSAGE_IN_EVENT = 1024  # characters of a message a warning event carries; the API answers it whole


class KubeEventOut(BaseModel):
    id: int
    cluster_id: str
    project_id: str
    uid: str = Field(description="The Event object's uid in the cluster.")
    namespace: str
    kind: str = Field(description="Kind of the involved object (Pod, Node, ...).")
    name: str = Field(description="Name of the involved object.")
    reason: str
    message: str
    type: str = Field(description="Normal or Warning.")
    count: int = Field(description="How often the event occurred (count, or series.count of a series).")
    source: str = Field(description="The component (and host) that reported it.")
    first_seen: datetime
    last_seen: datetime

    @classmethod
    def of(cls, row: KubeEvent) -> KubeEventOut:
        return cls(
            id=row.id, cluster_id=row.cluster_id, project_id=row.project_id, uid=row.uid, namespace=row.namespace,
            kind=row.kind, name=row.name, reason=row.reason, message=row.message, type=row.type, count=row.count,
            source=row.source, first_seen=row.first_seen, last_seen=row.last_seen,
        )  # fmt: skip


class KubeWarningEvent(BaseModel):
    """A Warning event of a cluster, new or seen again (its count grew)."""

    cluster_id: str
    project_id: str
    uid: str = Field(description="The Event object's uid: with count, what identifies this notice.")
    namespace: str
    kind: str
    name: str
    reason: str
    message: str = Field(description=f"The event's message, cut to {MESSAGE_IN_EVENT} characters.")
    count: int
    last_seen: datetime

    @classmethod
    def of(cls, row: KubeEvent) -> KubeWarningEvent:
        message = row.message if len(row.message) <= MESSAGE_IN_EVENT else row.message[: MESSAGE_IN_EVENT - 1] + "…"
        return cls(
            cluster_id=row.cluster_id, project_id=row.project_id, uid=row.uid, namespace=row.namespace,
            kind=row.kind, name=row.name, reason=row.reason, message=message, count=row.count,
            last_seen=row.last_seen,
        )  # fmt: skip
