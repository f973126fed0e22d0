"""Events of regions, zones and plans (payloads never carry the cloud API password)."""

from ko_common.events import event_spec
from ko_inventory.cloud.schemas import PlanEvent, RegionEvent, ZoneEvent

REGION_CREATED = event_spec("ko.inventory.region.created", RegionEvent, "A vSphere or OpenStack region was created.")
REGION_UPDATED = event_spec(
    "ko.inventory.region.updated", RegionEvent, "A region's details or its API credentials changed."
)
REGION_DELETED = event_spec("ko.inventory.region.deleted", RegionEvent, "A region was deleted.")
ZONE_CREATED = event_spec("ko.inventory.zone.created", ZoneEvent, "A zone of a region was created.")
ZONE_UPDATED = event_spec("ko.inventory.zone.updated", ZoneEvent, "A zone's settings or IP pool changed.")
ZONE_DELETED = event_spec("ko.inventory.zone.deleted", ZoneEvent, "A zone was deleted.")
PLAN_CREATED = event_spec("ko.inventory.plan.created", PlanEvent, "A plan (cluster shape over zones) was created.")
PLAN_UPDATED = event_spec("ko.inventory.plan.updated", PlanEvent, "A plan's topology, sizes or zones changed.")
PLAN_DELETED = event_spec("ko.inventory.plan.deleted", PlanEvent, "A plan was deleted.")
