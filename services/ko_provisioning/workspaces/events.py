"""Events of workspaces (payloads never carry the SSH key, the cloud password or the Terraform state)."""

from ko_common.events import event_spec
from ko_provisioning.workspaces.schemas import WorkspaceEvent

CREATED = event_spec(
    "ko.provisioning.workspace.created",
    WorkspaceEvent,
    "A workspace was planned from a plan; its provisioning is queued.",
)
PROVISIONED = event_spec(
    "ko.provisioning.workspace.provisioned",
    WorkspaceEvent,
    "Every VM of a workspace exists and is an inventory host (after a create, a scale or a retry).",
)
FAILED = event_spec(
    "ko.provisioning.workspace.failed",
    WorkspaceEvent,
    "A workspace's provisioning or destroy failed; `message` names the VM and the cause. What was created is "
    "kept in its state, for a retry or a delete.",
)
SCALED = event_spec(
    "ko.provisioning.workspace.scaled",
    WorkspaceEvent,
    "A workspace's worker count changed; its provisioning is queued.",
)
DESTROYING = event_spec(
    "ko.provisioning.workspace.destroying", WorkspaceEvent, "A workspace's VMs are being destroyed."
)
DELETED = event_spec(
    "ko.provisioning.workspace.deleted",
    WorkspaceEvent,
    "Every VM of a workspace was destroyed, its hosts forgotten and its addresses given back.",
)
