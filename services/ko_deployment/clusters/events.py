"""Events of clusters (ko.deployment.cluster.*); never the kubeconfig."""

from ko_common.events import event_spec
from ko_deployment.clusters.schemas import ClusterEvent

CREATED = event_spec(
    "ko.deployment.cluster.created", ClusterEvent, "A cluster was planned; its deploy operation is queued."
)
UPDATED = event_spec(
    "ko.deployment.cluster.updated", ClusterEvent, "A cluster's status changed (deploying, running, failed, ...)."
)
DELETED = event_spec(
    "ko.deployment.cluster.deleted", ClusterEvent, "A cluster was forgotten after its hosts were reset (or by force)."
)
