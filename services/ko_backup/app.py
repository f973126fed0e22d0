"""The backup service application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from ko_backup.models import Base
from ko_common.app import ServiceSpec, create_service_app
from ko_common.settings import Settings


class BackupSettings(Settings):
    service: str = "backup"


def create_app(settings: Settings | None = None) -> FastAPI:
    spec = ServiceSpec(
        name="backup",
        title="KubeOperator backup",
        description="Backup accounts, strategies and etcd snapshots.",
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
    )
    return create_service_app(spec, settings or BackupSettings())
