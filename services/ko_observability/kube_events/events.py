"""Events of the Kubernetes-events domain (for alert rules and the console's live view)."""

from ko_common.events import event_spec
from ko_observability.kube_events.schemas import KubeWarningEvent

WARNING = event_spec(
    "ko.observability.kube-event.warning",
    KubeWarningEvent,
    "A Warning event of a cluster appeared or its count grew; at most once per event and count, and at most "
    "KO_KUBE_EVENTS_WARNINGS_PER_MINUTE per cluster.",
)
