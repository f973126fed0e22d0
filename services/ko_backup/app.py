"""The backup service application."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI
from pydantic import Field, SecretStr

from ko_backup.accounts.endpoints import router as accounts_router
from ko_backup.backups import reconciler
from ko_backup.backups.endpoints import internal as backups_internal
from ko_backup.backups.endpoints import router as backups_router
from ko_backup.backups.service import Deps
from ko_backup.models import Base
from ko_backup.strategies.consumer import consumer_for as strategies_consumer_for
from ko_backup.strategies.endpoints import router as strategies_router
from ko_backup.strategies.scheduler import Scheduler
from ko_common.app import ServiceSpec, create_service_app
from ko_common.cluster_access import ClusterAccessClient
from ko_common.crypto import SecretBox, attach
from ko_common.operations.jobs import OperationRequester
from ko_common.settings import SERVICE_PORTS, Settings


class BackupSettings(Settings):
    service: str = "backup"
    secret_key: SecretStr | None = Field(
        None,
        description="Key that encrypts backup account secrets at rest: base64 of 32 bytes (`openssl rand -base64 32`), "
        "the same as inventory's and deployment's. Unset in development: generated into <data_dir>/secret-key.",
    )
    storage_timeout_seconds: float = Field(
        10.0,
        gt=0,
        le=120,
        description="How long a backup storage (SFTP, S3) may take to answer before it is unreachable.",
    )

    deployment_url: str = Field(
        f"http://127.0.0.1:{SERVICE_PORTS['deployment']}",
        description="Base URL of the deployment service: it runs the snapshots and restores on the nodes.",
    )
    reconcile_seconds: float = Field(
        3.0,
        gt=0,
        le=300,
        description="How often the ends of running backups' and restores' operations are looked up and recorded.",
    )
    schedule_poll_seconds: float = Field(
        15.0,
        gt=0,
        le=3600,
        description="How often each replica looks for strategies whose scheduled backup is due, and applies "
        "retention. A tick runs at most this late.",
    )

    def secret_fields(self) -> list[str]:
        return [*super().secret_fields(), "secret_key"]


async def _install_secret_box(app: FastAPI) -> None:
    # Fails start-up with a clear message when the key is unusable, before any request.
    attach(app.state.db.sessionmaker, SecretBox.from_settings(app.state.settings))


async def _start_backups(app: FastAPI) -> None:
    settings: BackupSettings = app.state.settings
    key = app.state.identity_key
    deps = Deps(
        clusters=ClusterAccessClient(settings.deployment_url, key, "backup"),
        jobs=OperationRequester(settings.deployment_url, "deployment", key, "backup"),
        storage_timeout=settings.storage_timeout_seconds,
    )
    app.state.backup_deps = deps
    task = asyncio.create_task(reconciler.run(app.state.db, deps, settings.reconcile_seconds), name="backup-reconcile")
    app.state.tasks.append(task)


async def _start_schedules(app: FastAPI) -> None:
    settings: BackupSettings = app.state.settings
    scheduler = Scheduler(app.state.db, app.state.backup_deps)
    task = asyncio.create_task(scheduler.run(settings.schedule_poll_seconds), name="backup-schedule")
    app.state.tasks.append(task)


def create_app(settings: Settings | None = None) -> FastAPI:
    # pydantic-settings fills every field from KO_* variables; mypy needs pydantic's plugin to know.
    settings = settings or BackupSettings()  # type: ignore[call-arg]
    spec = ServiceSpec(
        name="backup",
        title="KubeOperator backup",
        description="Backup accounts, strategies and etcd snapshots.",
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[accounts_router, backups_router, strategies_router, backups_internal],
        on_startup=[_install_secret_box, _start_backups, _start_schedules],
        consumers=[strategies_consumer_for(settings.resolved_database_url)],
    )
    return create_service_app(spec, settings)
