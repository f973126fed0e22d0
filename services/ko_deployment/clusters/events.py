"""Events of clusters (ko.deployment.cluster.*); never the kubeconfig."""

from ko_common.events import event_spec
from ko_deployment.clusters.schemas import (
    CertificatesChecked,
    CertificatesExpiring,
    ClusterAccessEvent,
    ClusterEvent,
)

CREATED = event_spec(
    "ko.deployment.cluster.created", ClusterEvent, "A cluster was planned; its deploy operation is queued."
)
UPDATED = event_spec(
    "ko.deployment.cluster.updated", ClusterEvent, "A cluster's status changed (deploying, running, failed, ...)."
)
DELETED = event_spec(
    "ko.deployment.cluster.deleted", ClusterEvent, "A cluster was forgotten after its hosts were reset (or by force)."
)
ACCESS_GRANTED = event_spec(
    "ko.deployment.cluster.access-granted",
    ClusterAccessEvent,
    "A service named in KO_CLUSTER_ACCESS_SERVICES was handed a cluster's admin kubeconfig (audit, without it).",
)
ACCESS_REFUSED = event_spec(
    "ko.deployment.cluster.access-refused",
    ClusterAccessEvent,
    "A service not in KO_CLUSTER_ACCESS_SERVICES asked for a cluster's admin kubeconfig and was refused (audit).",
)
CERTIFICATES_CHECKED = event_spec(
    "ko.deployment.cluster.certificates-checked",
    CertificatesChecked,
    "A certificate check of a cluster finished: the count read, how many expire within 30 days, the soonest.",
)
CERTIFICATES_EXPIRING = event_spec(
    "ko.deployment.cluster.certificates-expiring",
    CertificatesExpiring,
    "A certificate check found certificates of a cluster that expire within 30 days (or have expired).",
)
