"""What the provisioning service sends and receives on /internal/provisioning.

The plan answer carries the region's cloud API password in clear: it is for the provisioning
service's Terraform run only, is kept out of repr, and is never logged or put in an event.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ko_inventory.cloud.schemas import PlanOut, RegionOut, ZoneOut
from ko_inventory.credentials.schemas import Name, Username
from ko_inventory.fields import Label, ProjectId
from ko_inventory.hosts.schemas import IP, HostStatus, IdRef, Port

MAX_HOSTS = 500  # as many as a host import takes


class PoolSummary(BaseModel):
    id: str
    name: str
    subnet: str
    gateway: str
    dns: list[str]
    free: int = Field(description="Addresses free to hand out now.")


class ZoneWithPool(ZoneOut):
    pool: PoolSummary


class RegionWithPassword(RegionOut):
    password: str = Field(repr=False, description="The cloud API password, decrypted.")


class PlanContext(BaseModel):
    """Everything Terraform needs to create a plan's VMs; zones in the plan's order."""

    plan: PlanOut
    region: RegionWithPassword
    zones: list[ZoneWithPool]


class VmCredential(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="Reused when a credential of this name exists in the project (same key).")
    username: Username
    private_key: Annotated[SecretStr, Field(min_length=1, max_length=16384, description="OpenSSH or PEM private key.")]


class VmHost(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    ip: IP
    port: Port = 22


class VmRegistration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: ProjectId
    owner: Label = Field(description="Who the VMs are for, e.g. cluster:<id>; said in the credential's description.")
    credential: VmCredential
    hosts: list[VmHost] = Field(min_length=1, max_length=MAX_HOSTS)


class RegisteredVm(BaseModel):
    name: str
    ip: str
    host_id: str
    status: HostStatus


class VmsRegistered(BaseModel):
    credential_id: str
    hosts: list[RegisteredVm]


class VmForget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: ProjectId
    host_ids: list[IdRef] = Field(max_length=MAX_HOSTS)
    credential_id: IdRef | None = Field(None, description="Deleted too once no host of the project uses it.")


class VmsForgotten(BaseModel):
    deleted: list[str] = Field(description="The hosts deleted now (unknown ids are left out).")
