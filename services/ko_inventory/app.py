"""The inventory service application."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import FastAPI
from pydantic import Field, SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.app import ServiceSpec, create_service_app
from ko_common.crypto import SecretBox, attach
from ko_common.settings import Settings
from ko_inventory.cloud.endpoints import plans as plans_router
from ko_inventory.cloud.endpoints import regions as regions_router
from ko_inventory.cloud.endpoints import zones as zones_router
from ko_inventory.cloud.repository import PlanRepository, RegionRepository, ZoneRepository
from ko_inventory.credentials.endpoints import router as credentials_router
from ko_inventory.credentials.repository import CredentialRepository
from ko_inventory.hosts.endpoints import internal as hosts_internal
from ko_inventory.hosts.endpoints import router as hosts_router
from ko_inventory.hosts.repository import HostRepository
from ko_inventory.ippools.endpoints import router as ip_pools_router
from ko_inventory.ippools.repository import IpPoolRepository
from ko_inventory.models import Base
from ko_inventory.projects.consumer import consumer_for
from ko_inventory.provisioning.endpoints import router as provisioning_internal


class InventorySettings(Settings):
    service: str = "inventory"
    secret_key: SecretStr | None = Field(
        None,
        description="Key that encrypts credentials at rest: base64 of 32 bytes (`openssl rand -base64 32`). "
        "Unset in development: generated into <data_dir>/secret-key. Losing it loses every stored secret.",
    )
    ssh_connect_timeout_seconds: float = Field(
        5.0, gt=0, le=120, description="How long a host check waits for an SSH answer before calling it unreachable."
    )
    ssh_command_timeout_seconds: float = Field(
        30.0, gt=0, le=600, description="How long one command of a host check (root test, facts) may run."
    )
    ssh_parallelism: int = Field(16, ge=1, le=256, description="How many hosts a bulk check or import visits at once.")
    ip_probe_ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(
        default_factory=lambda: [22, 80, 443],
        max_length=16,
        description="TCP ports knocked on before an IP address is handed out: an address that accepts or "
        "refuses a connection on any of them is in use and skipped. A JSON list, e.g. [22, 443]; "
        "[] turns probing off (sites whose firewalls drop such probes).",
    )
    ip_probe_timeout_seconds: float = Field(
        1.0, ge=0.05, le=30, description="How long a probe waits for an answer before calling the address silent."
    )
    region_login_check: bool = Field(
        True,
        description="Check the cloud login (a vCenter session, a Keystone token) when a region is saved with new "
        "credentials, refusing those the cloud refuses; false only where the clouds are unreachable from "
        "KubeOperator by design.",
    )
    region_login_timeout_seconds: float = Field(
        10.0,
        gt=0,
        le=50,  # under the gateway's proxy timeout, so a slow cloud is named rather than cut off
        description="How long a region's login (all its requests together) may take before the cloud is "
        "called unreachable.",
    )

    def secret_fields(self) -> list[str]:
        return [*super().secret_fields(), "secret_key"]


async def _install_secret_box(app: FastAPI) -> None:
    # Fails start-up with a clear message when the key is unusable, before any request.
    attach(app.state.db.sessionmaker, SecretBox.from_settings(app.state.settings))


async def _project_usage(session: AsyncSession, project_id: str) -> dict[str, int]:
    return {
        "credentials": await CredentialRepository(session).count_in_project(project_id),
        "regions": await RegionRepository(session).count_in_project(project_id),
        "zones": await ZoneRepository(session).count_in_project(project_id),
        "plans": await PlanRepository(session).count_in_project(project_id),
        "ip_pools": await IpPoolRepository(session).count_in_project(project_id),
        "hosts": await HostRepository(session).count_in_project(project_id),
    }


def create_app(settings: Settings | None = None) -> FastAPI:
    # pydantic-settings fills every field from KO_* variables; mypy needs pydantic's plugin to know.
    settings = settings or InventorySettings()  # type: ignore[call-arg]
    spec = ServiceSpec(
        name="inventory",
        title="KubeOperator inventory",
        description="Credentials, hosts and their facts, regions, zones, plans and IP pools.",
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[
            credentials_router,
            hosts_router,
            hosts_internal,
            regions_router,
            zones_router,
            plans_router,
            ip_pools_router,
            provisioning_internal,
        ],
        consumers=[consumer_for(settings.resolved_database_url)],
        on_startup=[_install_secret_box],
        project_usage=_project_usage,
    )
    return create_service_app(spec, settings)
