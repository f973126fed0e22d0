"""Every subject an engine-running service uses for its operations, from one function.

`operation_channels("deployment")` declares the service's operation domain events
(`ko.<service>.operation.<verb>`), its task events (`ko.<service>.operation.<id>.event`), its work
queue (`ko.jobs.<service>.<database>.operation`) and its cancel requests: nobody spells these
subjects by hand, and the event contract is generated from the same declarations.
"""

from __future__ import annotations

from dataclasses import dataclass

from ko_common.events import OPERATION_EVENTS, Channel, EventSpec, event_spec
from ko_common.operations.schemas import JobRequest, OperationEventOut, OperationSummary


@dataclass(frozen=True)
class OperationChannels:
    service: str
    queued: EventSpec
    started: EventSpec
    succeeded: EventSpec
    failed: EventSpec
    cancelled: EventSpec
    task_event: EventSpec
    job: EventSpec
    # The API asks the worker running an operation to stop: core NATS, no payload, not kept (the worker also
    # polls the operation's cancel mark, so a lost message only delays it); internal, so not in the contract.
    cancel: Channel

    @property
    def source(self) -> str:
        return f"ko/{self.service}"

    def ended(self, status: str) -> EventSpec:
        return {"succeeded": self.succeeded, "failed": self.failed, "cancelled": self.cancelled}[status]


def operation_channels(service: str) -> OperationChannels:
    base = f"ko.{service}.operation"
    # The deployment service's task events are also named by the gateway's relay and the bus's stream,
    # which may not import it (ko_common.events.OPERATION_EVENTS).
    task_channel = (
        OPERATION_EVENTS if service == "deployment" else Channel(f"{base}.{{id}}.event", "KO_OPERATION_EVENTS")
    )
    return OperationChannels(
        service=service,
        queued=event_spec(
            f"{base}.queued", OperationSummary, "An operation was created or retried and waits for a worker."
        ),
        started=event_spec(
            f"{base}.started", OperationSummary, "A worker started (or resumed: `attempts` > 1) an operation."
        ),
        succeeded=event_spec(f"{base}.succeeded", OperationSummary, "Every phase of an operation succeeded."),
        failed=event_spec(
            f"{base}.failed", OperationSummary, "An operation stopped at a failed phase; `failure` says why."
        ),
        cancelled=event_spec(f"{base}.cancelled", OperationSummary, "An operation was cancelled."),
        task_event=event_spec(
            task_channel,
            OperationEventOut,
            "One event of a running operation (an executor's task events plus phase starts and ends and a final "
            "`end`). The envelope id is `<operation id>:<counter>`; counters increase by one, with no gaps, "
            "across resumes.",
        ),
        job=event_spec(
            f"ko.jobs.{service}.{{id}}.operation",
            JobRequest,
            f"Internal: a job for the {service} workers (work queue, one worker each); `{{id}}` names the {service} "
            "database, so installations sharing a NATS keep their jobs apart. Not for integrations.",
            stream="KO_JOBS",
        ),
        cancel=Channel(f"{base}.{{id}}.cancel", stream=None),
    )
