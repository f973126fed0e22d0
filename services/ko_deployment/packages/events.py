"""Events of offline packages (no paths or secrets in them)."""

from ko_common.events import event_spec
from ko_deployment.packages.schemas import OfflinePackageEvent

IMPORTED = event_spec(
    "ko.deployment.package.imported",
    OfflinePackageEvent,
    "An offline package was verified and is in the repository: its Kubernetes version can be deployed.",
)
FAILED = event_spec(
    "ko.deployment.package.failed",
    OfflinePackageEvent,
    "An offline package import failed (a bad checksum, a missing artifact, an interruption); `error` says why.",
)
DELETED = event_spec(
    "ko.deployment.package.deleted", OfflinePackageEvent, "An offline package was removed from the repository."
)
