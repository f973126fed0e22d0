"""The deployment service's operations: the shared engine (ko_common.operations) on this service's tables.

`KINDS` is filled when the service starts (clusters/kinds.py: deploy, reset); the worker and the
API share it, so creating an operation, the worker's transitions and a cancel of a queued operation
all tell the cluster the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.identity import Identity
from ko_common.operations.executors import PythonExecutor
from ko_common.operations.jobs import jobs_router
from ko_common.operations.kinds import KindRegistry, PhaseDef
from ko_common.operations.service import OperationService, jobs_token
from ko_deployment.operations.events import CHANNELS
from ko_deployment.operations.models import TABLES

KINDS = KindRegistry()
SERVICE = OperationService(TABLES, CHANNELS, KINDS)
# Phases that are this service's own async steps (Kubernetes API calls, say), beside the playbooks.
STEPS = PythonExecutor()
# Other services' job requests (ko_common.operations.jobs), for the kinds that name them.
JOBS_ROUTER = jobs_router(SERVICE)
PhaseSpec = PhaseDef  # (name, playbook): an Ansible phase
__all__ = [
    "JOBS_ROUTER",
    "KINDS",
    "SERVICE",
    "STEPS",
    "PhaseSpec",
    "cancel",
    "create",
    "get",
    "jobs_token",
    "list_operations",
    "retry",
]


async def create(
    session: AsyncSession,
    *,
    project_id: str,
    cluster_id: str,
    kind: str,
    spec: dict[str, Any],
    created_by: str,
    phases: Sequence[PhaseDef] | None = None,
) -> Any:
    return await SERVICE.create(
        session, project_id=project_id, cluster_id=cluster_id, kind=kind, spec=spec, created_by=created_by,
        phases=phases,
    )  # fmt: skip


async def list_operations(
    session: AsyncSession,
    identity: Identity,
    project_id: str | None,
    cluster_id: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Any], int]:
    return await SERVICE.list(session, identity, project_id, cluster_id, status, limit, offset)


async def get(session: AsyncSession, identity: Identity, operation_id: str, *, write: bool = False) -> Any:
    return await SERVICE.get(session, identity, operation_id, write=write)


async def read_events(
    session: AsyncSession, identity: Identity, operation_id: str, after: int, limit: int
) -> tuple[Any, Sequence[Any]]:
    return await SERVICE.read_events(session, identity, operation_id, after, limit)


async def retry(session: AsyncSession, identity: Identity, operation_id: str) -> Any:
    return await SERVICE.retry(session, identity, operation_id)


async def cancel(session: AsyncSession, identity: Identity, operation_id: str) -> Any:
    return await SERVICE.cancel(session, identity, operation_id)
