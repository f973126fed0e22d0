"""Events of the health domain (payloads carry the verdict only: no kubeconfig, no address)."""

from ko_common.events import event_spec
from ko_observability.health.schemas import ClusterHealthEvent

HEALTH_CHANGED = event_spec(
    "ko.observability.cluster.health-changed",
    ClusterHealthEvent,
    "A cluster's health changed state (healthy, degraded, unreachable, unknown) or its reasons changed.",
)
