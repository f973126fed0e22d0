"""IP pools and their addresses in and out of the API, and the event payloads.

Addresses are strings here and parsed by ``ippools.layout``, so that every refusal names the field
the way the console shows it (``ranges[0].start``) with a sentence saying how to fix it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ko_inventory.fields import Description, Label, Name, ProjectId

Status = Literal["free", "allocated", "in_use"]
Address = str  # parsed by ippools.layout


class IpRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: Address = Field(max_length=64, description="First address handed out, e.g. 10.10.0.10.")
    end: Address = Field(max_length=64, description="Last address handed out (inclusive), e.g. 10.10.0.200.")


class IpPoolCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: ProjectId
    name: Name
    description: Description = ""
    subnet: str = Field(max_length=64, description="IPv4 CIDR, e.g. 10.10.0.0/24.")
    gateway: Address = Field(max_length=64, description="Default gateway, inside the subnet; never handed out.")
    dns: list[Address] = Field(default_factory=list, max_length=3, description="Up to 3 DNS servers.")
    ranges: list[IpRange] = Field(
        min_length=1,
        max_length=64,
        description="Disjoint ranges inside the subnet, 4096 addresses at most in all; the gateway and DNS "
        "servers inside them are skipped.",
    )


class IpPoolUpdate(BaseModel):
    """Absent fields keep their value; the result is validated whole. Addresses that leave the pool
    must not be allocated; new ones join it free."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Description | None = None
    subnet: str | None = Field(None, max_length=64)
    gateway: Address | None = Field(None, max_length=64)
    dns: list[Address] | None = Field(None, max_length=3)
    ranges: list[IpRange] | None = Field(None, min_length=1, max_length=64)


class AddressCounts(BaseModel):
    free: int
    allocated: int
    in_use: int = Field(description="Found answering on the network when about to be handed out; never handed out.")


class IpPoolOut(BaseModel):
    id: str
    project_id: str
    name: str
    description: str
    subnet: str
    gateway: str
    dns: list[str]
    ranges: list[IpRange]
    size: int = Field(description="Addresses the pool hands out (its ranges without the gateway and DNS servers).")
    counts: AddressCounts
    created_at: datetime
    updated_at: datetime


class IpAddressOut(BaseModel):
    ip: str
    status: Status
    owner: str | None = Field(description="Who holds an allocated address (a host or cluster id, free text).")
    allocated_at: datetime | None
    checked_at: datetime | None = Field(description="When the address was last probed before handing it out.")
    updated_at: datetime


class AllocationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(1, ge=1, le=256, description="How many addresses to hand out.")
    owner: Label = Field(description="Who will hold them (free text, e.g. a host or cluster id).")


class Allocation(BaseModel):
    pool_id: str
    owner: str
    addresses: list[str] = Field(description="The addresses handed out, in address order.")
    skipped_in_use: list[str] = Field(description="Addresses that answered on the network: now in_use, skipped.")


class ReleaseRequest(BaseModel):
    """Give either the addresses or the owner whose addresses are all released."""

    model_config = ConfigDict(extra="forbid")

    addresses: list[Address] | None = Field(None, min_length=1, max_length=4096)
    owner: Label | None = None


class Release(BaseModel):
    pool_id: str
    addresses: list[str] = Field(description="The addresses now free (addresses that were free already are left out).")


class IpPoolEvent(BaseModel):
    id: str
    project_id: str
    name: str
    subnet: str
    gateway: str
    size: int


class AllocationEvent(BaseModel):
    pool_id: str
    project_id: str
    owner: str
    addresses: list[str]
    skipped_in_use: list[str]


class ReleaseEvent(BaseModel):
    pool_id: str
    project_id: str
    owner: str | None = Field(description="The owner released by, when the call named one.")
    addresses: list[str]
