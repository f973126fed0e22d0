"""Workspaces in and out of the API, and their event payloads (never the SSH key or the cloud password)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ko_common.operations.schemas import OperationOut

_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?")


def _check_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(
            "use 1 to 40 lower-case letters, digits or '-', starting and ending with a letter or digit "
            "(it starts every VM's host name), e.g. prod-east"
        )
    return value


Name = Annotated[str, AfterValidator(_check_name)]
VmStatus = Literal["planned", "created", "registered", "removing"]
WorkspaceStatus = Literal["provisioning", "ready", "failed", "destroying", "destroyed"]


class WorkspaceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: str = Field(min_length=1, max_length=64)
    name: Name = Field(description="Names the VMs: <name>-master-1, <name>-worker-1, ...")
    plan_id: str = Field(min_length=1, max_length=64, description="An inventory plan of the same project.")
    worker_count: int | None = Field(
        None, ge=0, le=100, description="Workers to create; absent: the plan's worker count."
    )


class WorkspaceUpdate(BaseModel):
    """Scale: more workers are created in the plan's zones (round-robin), fewer removes the newest ones."""

    model_config = ConfigDict(extra="forbid")

    worker_count: int = Field(ge=0, le=100)


class VmOut(BaseModel):
    name: str
    role: Literal["master", "worker"]
    zone_id: str
    zone_name: str
    pool_id: str
    address: str | None = Field(description="From the zone's IP pool; null until allocated.")
    provider_id: str | None = Field(description="The VM's id in vSphere or OpenStack; null until created.")
    host_id: str | None = Field(description="The inventory host the VM was registered as; null until then.")
    status: VmStatus


class WorkspaceOut(BaseModel):
    id: str
    project_id: str
    name: str
    plan_id: str
    region_id: str
    provider: Literal["vsphere", "openstack"]
    worker_count: int
    status: WorkspaceStatus
    message: str
    cluster_id: str | None = Field(
        description="The cluster whose VMs these are (planned from a plan): they change only with the cluster."
    )
    operation_id: str | None = Field(description="The last provision or destroy operation.")
    operation: OperationOut | None = Field(None, description="That operation, on a single workspace's page.")
    vms: list[VmOut]
    created_at: datetime
    updated_at: datetime


class WorkspacePage(BaseModel):
    items: list[WorkspaceOut]
    total: int


class VmEvent(BaseModel):
    name: str
    role: str
    zone_name: str
    address: str | None
    provider_id: str | None
    host_id: str | None


class WorkspaceEvent(BaseModel):
    id: str
    project_id: str
    name: str
    plan_id: str
    provider: str
    status: str
    message: str
    vms: list[VmEvent]
