"""Hosts in and out of the API, the bulk-import rows, and the event payload (no secrets anywhere)."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ko_inventory.credentials.schemas import Name
from ko_inventory.hosts.models import STATUSES, Host

HostStatus = Literal["ready", "unreachable", "auth_failed", "no_root", "host_key_changed", "error"]
assert set(HostStatus.__args__) == set(STATUSES)  # type: ignore[attr-defined]


def _check_ip(value: str) -> str:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        raise ValueError("must be an IPv4 or IPv6 address, e.g. 192.168.1.10 (not a host name)") from None
    if address.is_unspecified or address.is_multicast:
        raise ValueError("must be the address of one host, not an unspecified or multicast address")
    return str(address)


IP = Annotated[str, AfterValidator(_check_ip)]
Port = Annotated[int, Field(ge=1, le=65535, description="SSH port.")]
IdRef = Annotated[str, Field(min_length=1, max_length=64)]


class HostCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: IdRef
    name: Name
    ip: IP
    port: Port = 22
    credential_id: IdRef


class HostUpdate(BaseModel):
    """A new port or credential is checked first and refused when the host cannot be reached with it."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    port: Port | None = None
    credential_id: IdRef | None = None


class HostChecks(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host_ids: list[IdRef] = Field(
        default_factory=list, max_length=500, description="Hosts to check; empty with project_id: all of the project."
    )
    project_id: IdRef | None = None


class HostKeyAccept(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fingerprint: str = Field(
        min_length=1,
        max_length=100,
        description="The SHA256 fingerprint of the new key as the host shows it (`pending_host_key_fingerprint`): "
        "what you verified on the host's console with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`.",
    )


class HostKeyOut(BaseModel):
    fingerprint: str | None
    pending_fingerprint: str | None = Field(description="A different key the host presented, awaiting acceptance.")


class HostOut(BaseModel):
    id: str
    project_id: str
    name: str
    ip: str
    port: int
    credential_id: str
    status: HostStatus
    status_message: str
    checked_at: datetime | None
    become: str | None = Field(description="How the login becomes root: root, sudo or sudo_password.")
    host_key: HostKeyOut
    facts: dict[str, Any] | None = Field(
        description="os {id, version_id, name, family, supported, unsupported_reason}, kernel, arch, hostname, cpus, "
        "memory_bytes, memory_available_bytes, swap_on, swap_bytes, disks [{name, size_bytes}], root_free_bytes, "
        "var_free_bytes, addresses [{interface, address, prefix, family}], ports_in_use [{protocol, port, purpose}], "
        "time_offset_ms."
    )
    facts_at: datetime | None
    cluster_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, h: Host) -> HostOut:
        return cls(
            id=h.id,
            project_id=h.project_id,
            name=h.name,
            ip=h.ip,
            port=h.port,
            credential_id=h.credential_id,
            status=h.status,  # type: ignore[arg-type]
            status_message=h.status_message,
            checked_at=h.checked_at,
            become=h.become,
            host_key=HostKeyOut(fingerprint=h.host_key_fingerprint, pending_fingerprint=h.pending_host_key_fingerprint),
            facts=h.facts,
            facts_at=h.facts_at,
            cluster_id=h.cluster_id,
            created_at=h.created_at,
            updated_at=h.updated_at,
        )


class CheckResult(BaseModel):
    host_id: str
    name: str
    ip: str
    status: HostStatus
    status_message: str


class CheckReport(BaseModel):
    results: list[CheckResult]
    ready: int
    failed: int


class ImportRow(BaseModel):
    row: int = Field(description="1-based row of the file (data rows, the CSV header not counted).")
    name: str
    ip: str
    status: Literal["registered", "failed"]
    host_id: str | None = None
    error: str | None = None
    field: str | None = None


class ImportReport(BaseModel):
    registered: int
    failed: int
    rows: list[ImportRow]


class HostClaim(BaseModel):
    """Internal (deployment service): put hosts into a cluster, all or none."""

    model_config = ConfigDict(extra="forbid")

    cluster_id: IdRef
    project_id: IdRef
    host_ids: list[IdRef] = Field(min_length=1, max_length=500)


class HostRelease(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cluster_id: IdRef
    host_ids: list[IdRef] | None = Field(None, description="None: every host of the cluster.")


class HostEvent(BaseModel):
    """A host as events describe it."""

    id: str
    project_id: str
    name: str
    ip: str
    port: int
    credential_id: str
    status: HostStatus
    status_message: str
    host_key_fingerprint: str | None
    cluster_id: str | None
    os: str | None = Field(None, description="The OS as the host names it, e.g. Debian GNU/Linux 12 (bookworm).")
    arch: str | None = None
    cpus: int | None = None
    memory_bytes: int | None = None

    @classmethod
    def of(cls, h: Host) -> HostEvent:
        facts = h.facts or {}
        return cls(
            id=h.id,
            project_id=h.project_id,
            name=h.name,
            ip=h.ip,
            port=h.port,
            credential_id=h.credential_id,
            status=h.status,  # type: ignore[arg-type]
            status_message=h.status_message,
            host_key_fingerprint=h.host_key_fingerprint,
            cluster_id=h.cluster_id,
            os=(facts.get("os") or {}).get("name"),
            arch=facts.get("arch"),
            cpus=facts.get("cpus"),
            memory_bytes=facts.get("memory_bytes"),
        )


class HostAccessRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host_ids: list[IdRef] = Field(min_length=1, max_length=500)


class HostAccess(BaseModel):
    """Internal, deployment service only: how Ansible logs in to a host. Carries secrets: never logged."""

    host_id: str
    project_id: str
    name: str
    ip: str
    port: int
    username: str
    host_key: str | None
    become: str | None
    status: str
    password: str | None = Field(None, repr=False)
    private_key: str | None = Field(None, repr=False)
    passphrase: str | None = Field(None, repr=False)
