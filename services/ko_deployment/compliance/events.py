"""Events of compliance runs (ko.deployment.compliance.*): counts only, never what was observed on a node."""

from ko_common.events import event_spec
from ko_deployment.compliance.schemas import ComplianceCompleted

COMPLETED = event_spec(
    "ko.deployment.compliance.completed",
    ComplianceCompleted,
    "A compliance run of a cluster finished (a node check's operation ended, or Sonobuoy results were "
    "uploaded): its kind, status and the pass/fail/warn/skip counts.",
)
