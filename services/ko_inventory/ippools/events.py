"""Events of IP pools and of their addresses being handed out and given back."""

from ko_common.events import event_spec
from ko_inventory.ippools.schemas import AllocationEvent, IpPoolEvent, ReleaseEvent

CREATED = event_spec("ko.inventory.ippool.created", IpPoolEvent, "An IP pool was created.")
UPDATED = event_spec("ko.inventory.ippool.updated", IpPoolEvent, "An IP pool's subnet, gateway, DNS or ranges changed.")
DELETED = event_spec("ko.inventory.ippool.deleted", IpPoolEvent, "An IP pool was deleted.")
ALLOCATED = event_spec(
    "ko.inventory.ippool.allocated", AllocationEvent, "Addresses of a pool were handed out (one event per call)."
)
RELEASED = event_spec(
    "ko.inventory.ippool.released", ReleaseEvent, "Addresses of a pool were given back (one event per call)."
)
