"""Events of the hosts domain (ko.inventory.host.*)."""

from ko_common.events import event_spec
from ko_inventory.hosts.schemas import HostEvent

REGISTERED = event_spec(
    "ko.inventory.host.registered", HostEvent, "A host was registered after a successful SSH check."
)
CHECKED = event_spec("ko.inventory.host.checked", HostEvent, "A host was checked over SSH; `status` says the outcome.")
UPDATED = event_spec(
    "ko.inventory.host.updated",
    HostEvent,
    "A host's name, port, credential, cluster membership or accepted SSH host key changed.",
)
DELETED = event_spec("ko.inventory.host.deleted", HostEvent, "A host was removed from the inventory.")
