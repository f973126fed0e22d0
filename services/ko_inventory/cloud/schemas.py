"""Regions, zones and plans in and out of the API, and their event payloads.

Provider-specific parts (a zone's ``provider_settings``, a plan's sizes) are one model holding the
fields of every provider, each documented with the provider it belongs to: which ones are required
or refused depends on the region's provider, known only once the region is read, so the service
checks them and names the offending field (``provider_settings.datastore``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from ko_inventory.fields import Description, Label, Name, ProjectId

Provider = Literal["vsphere", "openstack"]
Topology = Literal["single", "ha"]
MASTERS: dict[str, int] = {"single": 1, "ha": 3}
MAX_ZONES = 16
_MAX_SECRET = 4096


def _check_endpoint(value: str) -> str:
    example = "e.g. https://vcenter.example.local or https://keystone.example.local:5000/v3"
    if any(c.isspace() or not c.isprintable() for c in value):
        raise ValueError(f"must be a URL without spaces, {example}")
    try:
        url = urlsplit(value)
        url.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ValueError(f"is not a valid URL ({exc}): {example}") from exc
    if url.scheme != "https":
        raise ValueError(f"must be an https URL (the API credentials travel over it), {example}")
    if not url.hostname:
        raise ValueError(f"has no host name, {example}")
    if url.username is not None or url.password is not None:
        raise ValueError("must not hold a user or password: give them in username and password")
    if url.query or url.fragment:
        raise ValueError(f"must not have a query or fragment, {example}")
    return value


def _check_password(value: SecretStr) -> SecretStr:
    plain = value.get_secret_value()
    if not plain:
        raise ValueError("must not be empty: give the password of the cloud API user")
    if len(plain) > _MAX_SECRET:
        raise ValueError(f"is longer than {_MAX_SECRET} characters: paste only the one value")
    return value


Endpoint = Annotated[str, Field(max_length=512), AfterValidator(_check_endpoint)]
Password = Annotated[SecretStr, AfterValidator(_check_password)]


# --- regions ---------------------------------------------------------------------------------------


class RegionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: ProjectId
    name: Name
    description: Description = ""
    provider: Provider
    endpoint: Endpoint = Field(description="vSphere: the vCenter URL; OpenStack: the Keystone auth URL (https).")
    datacenter: Label = Field(description="vSphere: the datacenter name; OpenStack: the region name.")
    username: Label = Field(description="User of the cloud API.")
    password: Password = Field(description="Password of the cloud API user; stored encrypted, never returned.")
    project_name: Label | None = Field(None, description="OpenStack only (required): the project (tenant) name.")
    domain_name: Label | None = Field(None, description="OpenStack only (required): the user's domain, e.g. Default.")
    insecure_tls: bool = Field(False, description="Skip verifying the endpoint's TLS certificate (self-signed labs).")


class RegionUpdate(BaseModel):
    """Absent fields keep their value, the password too. The provider cannot change."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Description | None = None
    provider: Provider | None = Field(None, description="Accepted only if unchanged.")
    endpoint: Endpoint | None = None
    datacenter: Label | None = None
    username: Label | None = None
    password: Password | None = None
    project_name: Label | None = None
    domain_name: Label | None = None
    insecure_tls: bool | None = None


class RegionOut(BaseModel):
    id: str
    project_id: str
    name: str
    description: str
    provider: Provider
    endpoint: str
    datacenter: str
    username: str
    has_password: bool
    project_name: str | None
    domain_name: str | None
    insecure_tls: bool
    created_at: datetime
    updated_at: datetime


class RegionTestResult(BaseModel):
    ok: bool
    detail: str = Field(description="What was tried and, when the login failed, what to fix; never a secret.")
    field: str | None = Field(
        description="When the login failed: the region field to fix (endpoint, password, project_name or insecure_tls)."
    )


class RegionEvent(BaseModel):
    """A region as events describe it: never the API password."""

    id: str
    project_id: str
    name: str
    provider: Provider
    endpoint: str
    datacenter: str


# --- zones -----------------------------------------------------------------------------------------


class ZoneSettings(BaseModel):
    """Where a zone's VMs go. Each field belongs to one provider (or both), as its description says."""

    model_config = ConfigDict(extra="forbid")

    cluster: Label | None = Field(None, description="vSphere (required): the compute cluster.")
    resource_pool: Label | None = Field(None, description="vSphere (optional): a resource pool of the cluster.")
    datastore: Label | None = Field(None, description="vSphere (required): the datastore of the VM disks.")
    template: Label | None = Field(None, description="vSphere (required): the VM template to clone.")
    network: Label | None = Field(
        None, description="Both (required): vSphere port group, or OpenStack network name or id."
    )
    availability_zone: Label | None = Field(None, description="OpenStack (required): the Nova availability zone.")
    image: Label | None = Field(None, description="OpenStack (required): the Glance image name or id.")
    security_group: Label | None = Field(None, description="OpenStack (optional): a security group for the VMs.")


ZONE_FIELDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # provider: (required, optional)
    "vsphere": (frozenset({"cluster", "datastore", "template", "network"}), frozenset({"resource_pool"})),
    "openstack": (frozenset({"availability_zone", "network", "image"}), frozenset({"security_group"})),
}


class ZoneCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: ProjectId
    name: Name
    description: Description = ""
    region_id: str = Field(min_length=1, max_length=64, description="A region of the same project.")
    ip_pool_id: str = Field(
        min_length=1, max_length=64, description="The IP pool (same project) VMs take addresses from."
    )
    provider_settings: ZoneSettings


class ZoneUpdate(BaseModel):
    """Absent fields keep their value; ``provider_settings`` is replaced whole. A zone stays in its region."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Description | None = None
    region_id: str | None = Field(None, description="Accepted only if unchanged.")
    ip_pool_id: str | None = Field(None, min_length=1, max_length=64)
    provider_settings: ZoneSettings | None = None


class ZoneOut(BaseModel):
    id: str
    project_id: str
    name: str
    description: str
    region_id: str
    provider: Provider = Field(description="The provider of the zone's region.")
    ip_pool_id: str
    provider_settings: ZoneSettings
    created_at: datetime
    updated_at: datetime


class ZoneEvent(BaseModel):
    id: str
    project_id: str
    name: str
    region_id: str
    ip_pool_id: str


# --- plans -----------------------------------------------------------------------------------------


class PlanSize(BaseModel):
    """A VM size: vSphere takes cpus, memory_gib and disk_gib; OpenStack takes a flavor."""

    model_config = ConfigDict(extra="forbid")

    cpus: int | None = Field(None, ge=1, le=256, description="vSphere (required): virtual CPUs.")
    memory_gib: int | None = Field(None, ge=1, le=4096, description="vSphere (required): memory in GiB.")
    disk_gib: int | None = Field(None, ge=10, le=65536, description="vSphere (required): system disk in GiB.")
    flavor: Label | None = Field(None, description="OpenStack (required): the Nova flavor name or id.")


SIZE_FIELDS: dict[str, frozenset[str]] = {
    "vsphere": frozenset({"cpus", "memory_gib", "disk_gib"}),
    "openstack": frozenset({"flavor"}),
}


class PlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: ProjectId
    name: Name
    description: Description = ""
    region_id: str = Field(min_length=1, max_length=64)
    topology: Topology = Field(description="single: 1 master; ha: 3 masters.")
    worker_count: int = Field(ge=0, le=100)
    master_size: PlanSize
    worker_size: PlanSize
    zone_ids: list[str] = Field(
        min_length=1, max_length=MAX_ZONES, description="Zones of the plan's region; VMs are spread over them in order."
    )


class PlanUpdate(BaseModel):
    """Absent fields keep their value; the result is validated whole (sizes against the region's provider)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Description | None = None
    region_id: str | None = Field(None, min_length=1, max_length=64)
    topology: Topology | None = None
    worker_count: int | None = Field(None, ge=0, le=100)
    master_size: PlanSize | None = None
    worker_size: PlanSize | None = None
    zone_ids: list[str] | None = Field(None, min_length=1, max_length=MAX_ZONES)


class Placement(BaseModel):
    """Which zone each VM goes to: round-robin over the plan's zones, in their order, masters and
    workers each starting at the first zone (ha over 3 zones: one master per zone; over 2: 2 + 1)."""

    masters: list[str] = Field(description="The zone id of each master.")
    workers: list[str] = Field(description="The zone id of each worker.")


class PlanOut(BaseModel):
    id: str
    project_id: str
    name: str
    description: str
    region_id: str
    provider: Provider
    topology: Topology
    master_count: int
    worker_count: int
    master_size: PlanSize
    worker_size: PlanSize
    zone_ids: list[str]
    placement: Placement
    created_at: datetime
    updated_at: datetime


class PlanEvent(BaseModel):
    id: str
    project_id: str
    name: str
    region_id: str
    topology: Topology
    worker_count: int
    zone_ids: list[str]
