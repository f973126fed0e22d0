"""The deployment service application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from ko_common.app import ServiceSpec, create_service_app
from ko_common.settings import Settings
from ko_deployment.models import Base


class DeploymentSettings(Settings):
    service: str = "deployment"


def create_app(settings: Settings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="deployment",
        title="KubeOperator deployment",
        description="Clusters, operations and the Ansible job runner; the offline package repository.",
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
    )
    return create_service_app(spec, settings or DeploymentSettings())
