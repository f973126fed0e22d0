"""Events of the deployment service's operations: the shared engine's channels, named for this service."""

from ko_common.operations.channels import operation_channels

CHANNELS = operation_channels("deployment")
QUEUED = CHANNELS.queued
STARTED = CHANNELS.started
SUCCEEDED = CHANNELS.succeeded
FAILED = CHANNELS.failed
CANCELLED = CHANNELS.cancelled
TASK_EVENT = CHANNELS.task_event
JOB = CHANNELS.job
CANCEL = CHANNELS.cancel
