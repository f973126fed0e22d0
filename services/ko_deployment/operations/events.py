"""Events of operations: domain events, their task events, the job requests to workers, and cancel requests."""

from ko_common.events import OPERATION_EVENTS, Channel, event_spec
from ko_deployment.operations.schemas import JobRequest, OperationEventOut, OperationSummary

QUEUED = event_spec(
    "ko.deployment.operation.queued", OperationSummary, "An operation was created or retried and waits for a worker."
)
STARTED = event_spec(
    "ko.deployment.operation.started", OperationSummary, "A worker started (or resumed: `attempts` > 1) an operation."
)
SUCCEEDED = event_spec("ko.deployment.operation.succeeded", OperationSummary, "Every phase of an operation succeeded.")
FAILED = event_spec(
    "ko.deployment.operation.failed", OperationSummary, "An operation stopped at a failed phase; `failure` says why."
)
CANCELLED = event_spec("ko.deployment.operation.cancelled", OperationSummary, "An operation was cancelled.")
TASK_EVENT = event_spec(
    OPERATION_EVENTS,
    OperationEventOut,
    "One event of a running operation (Ansible's task events plus phase starts and ends and a final `end`). "
    "The envelope id is `<operation id>:<counter>`; counters increase by one, with no gaps, across resumes.",
)
JOB = event_spec(
    "ko.jobs.deployment.{id}.operation",
    JobRequest,
    "Internal: a job for the deployment workers (work queue, one worker each); `{id}` names the deployment "
    "database, so installations sharing a NATS keep their jobs apart. Not for integrations.",
    stream="KO_JOBS",
)
# The API asks the worker running an operation to stop: core NATS, no payload, not kept (the worker also polls the
# operation's cancel mark, so a lost message only delays it); internal, so not in the event contract.
CANCEL = Channel("ko.deployment.operation.{id}.cancel", stream=None)
