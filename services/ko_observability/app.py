"""The observability service application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from ko_common.app import ServiceSpec, create_service_app
from ko_common.settings import Settings
from ko_observability.models import Base


class ObservabilitySettings(Settings):
    service: str = "observability"


def create_app(settings: Settings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="observability",
        title="KubeOperator observability",
        description="Cluster health, Kubernetes events, alert rules and notifications.",
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
    )
    return create_service_app(spec, settings or ObservabilitySettings())
