"""Events of the alerts domain (payloads carry the alert, route or silence: never a channel's secret)."""

from ko_common.events import event_spec
from ko_observability.alerts.schemas import AlertEvent, RouteEvent, SilenceEvent

FIRING = event_spec("ko.observability.alert.firing", AlertEvent, "An alert started firing (repeats do not announce).")
RESOLVED = event_spec("ko.observability.alert.resolved", AlertEvent, "A firing alert resolved.")
SILENCE_CREATED = event_spec("ko.observability.silence.created", SilenceEvent, "A silence was created.")
SILENCE_EXPIRED = event_spec(
    "ko.observability.silence.expired", SilenceEvent, "A silence ended (its end time passed, or it was deleted)."
)
ROUTE_CREATED = event_spec("ko.observability.alert-route.created", RouteEvent, "An alert route was created.")
ROUTE_UPDATED = event_spec("ko.observability.alert-route.updated", RouteEvent, "An alert route changed.")
ROUTE_DELETED = event_spec("ko.observability.alert-route.deleted", RouteEvent, "An alert route was deleted.")
