"""The provisioning service's operation engine: kinds (workspaces/kinds.py fills them at start-up), the
Python steps beside the Terraform phases, and the job-request router for other services' requests."""

from __future__ import annotations

from ko_common.operations.executors import PythonExecutor
from ko_common.operations.jobs import jobs_router
from ko_common.operations.kinds import KindRegistry
from ko_common.operations.service import OperationService
from ko_provisioning.operations.events import CHANNELS
from ko_provisioning.operations.models import TABLES

KINDS = KindRegistry()
SERVICE = OperationService(TABLES, CHANNELS, KINDS)
STEPS = PythonExecutor()
JOBS_ROUTER = jobs_router(SERVICE)
