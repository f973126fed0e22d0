"""The provisioning service application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from ko_common.app import ServiceSpec, create_service_app
from ko_common.settings import Settings
from ko_provisioning.models import Base


class ProvisioningSettings(Settings):
    service: str = "provisioning"


def create_app(settings: Settings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="provisioning",
        title="KubeOperator provisioning",
        description="Terraform workspaces, plan/apply/destroy of VMs on vSphere and OpenStack.",
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
    )
    return create_service_app(spec, settings or ProvisioningSettings())
