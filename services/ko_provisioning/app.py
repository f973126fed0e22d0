"""The provisioning service application: workspaces of VMs made by Terraform from the inventory's plans."""

from __future__ import annotations

import asyncio
import functools
import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import Field, SecretStr, field_validator

from ko_common.app import ServiceSpec, create_service_app
from ko_common.crypto import SecretBox, attach
from ko_common.operations.worker import Worker
from ko_common.settings import SERVICE_PORTS, Settings
from ko_provisioning.inventory_client import InventoryClient
from ko_provisioning.models import Base
from ko_provisioning.operations.events import CHANNELS
from ko_provisioning.operations.models import TABLES
from ko_provisioning.operations.service import JOBS_ROUTER, KINDS, STEPS
from ko_provisioning.providers.mirror import sync_mirror
from ko_provisioning.workspaces import kinds as workspace_kinds
from ko_provisioning.workspaces.endpoints import internal as workspaces_internal
from ko_provisioning.workspaces.endpoints import router as workspaces_router
from ko_provisioning.workspaces.state import DatabaseStateStore

MODULES_DIR = Path(__file__).resolve().parents[2] / "terraform-modules"


class ProvisioningSettings(Settings):
    service: str = "provisioning"
    secret_key: SecretStr | None = Field(
        None,
        description="Key that encrypts Terraform states and the VMs' SSH keys at rest: base64 of 32 bytes "
        "(`openssl rand -base64 32`), the same as the other services'. Unset in development: generated into "
        "<data_dir>/secret-key.",
    )
    inventory_url: str = Field(
        f"http://127.0.0.1:{SERVICE_PORTS['inventory']}",
        description="Base URL of the inventory service (plans, IP pools, hosts).",
    )
    deployment_url: str = Field(
        f"http://127.0.0.1:{SERVICE_PORTS['deployment']}",
        description="Base URL of the deployment service: the offline packages' Terraform providers are mirrored "
        "from it (unless KO_TERRAFORM_PLUGIN_DIR names a mirror of the site's own).",
    )
    terraform_modules_dir: Path = Field(
        MODULES_DIR,
        description="Directory of the Terraform modules, one per provider (vsphere/, openstack/): the repository's "
        "terraform-modules/ (/app/terraform-modules in the image).",
    )
    terraform_plugin_dir: Path | None = Field(
        None,
        description="A filesystem mirror of Terraform providers (registry.terraform.io/<ns>/<name>/<version>/"
        "<os>_<arch>/) kept by the site. Unset: the providers of the imported offline packages, mirrored from the "
        "deployment service into <data_dir>/terraform-providers (sha256 checked) before each Terraform phase. "
        "Terraform never reaches a registry: a provider in neither fails at init, naming it.",
    )
    terraform_bin: str = Field("terraform", description="The terraform binary (a name on PATH, or a path).")
    terraform_extra_vars: dict[str, Any] = Field(
        default_factory=dict,
        description="JSON object of extra variables given to every module run, beside the contract's (a site's "
        "own inputs to a customised module). Undeclared ones are ignored by Terraform with a warning.",
    )
    phase_timeout_seconds: int = Field(
        3600, ge=60, le=86400, description="A phase (a Terraform apply) still running after this long is stopped."
    )
    workers: int = Field(2, ge=0, le=64, description="Operations one replica runs at once (0: API only).")

    @field_validator("terraform_extra_vars", mode="before")
    @classmethod
    def _json(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def secret_fields(self) -> list[str]:
        return [*super().secret_fields(), "secret_key"]


async def _start_worker(app: FastAPI) -> None:
    settings: ProvisioningSettings = app.state.settings
    # Fails start-up with a clear message when the key is unusable, before any request.
    attach(app.state.db.sessionmaker, SecretBox.from_settings(settings))
    inventory = InventoryClient(settings.inventory_url, app.state.identity_key)
    app.state.inventory = inventory
    deps = workspace_kinds.Deps(app.state.db, inventory, settings.terraform_extra_vars)
    workspace_kinds.register(KINDS, inventory)
    workspace_kinds.register_steps(STEPS, deps)
    mirror = settings.terraform_plugin_dir or settings.data_dir.resolve() / "terraform-providers"
    sync = None
    if settings.terraform_plugin_dir is None:
        sync = functools.partial(sync_mirror, settings.deployment_url, app.state.identity_key, mirror)
    terraform = workspace_kinds.WorkspaceTerraform(
        deps,
        settings.terraform_modules_dir,
        plugin_dir=mirror,
        state=DatabaseStateStore(app.state.db),
        terraform_bin=settings.terraform_bin,
        sync=sync,
    )
    worker = Worker(
        app.state.db,
        app.state.bus,
        tables=TABLES,
        channels=CHANNELS,
        kinds=KINDS,
        executors={terraform.name: terraform, STEPS.name: STEPS},
        work_dir=settings.data_dir.resolve() / "operations",
        phase_timeout_seconds=settings.phase_timeout_seconds,
        concurrency=settings.workers,
    )
    app.state.worker = worker
    if settings.workers > 0:
        app.state.tasks.append(asyncio.create_task(worker.run(), name="operation-worker"))


async def _stop_worker(app: FastAPI) -> None:
    worker: Worker | None = getattr(app.state, "worker", None)
    if worker is not None:
        await worker.stop()


def create_app(settings: Settings | None = None) -> FastAPI:
    # pydantic-settings fills every field from KO_* variables; mypy needs pydantic's plugin to know.
    settings = settings or ProvisioningSettings()  # type: ignore[call-arg]
    if not isinstance(settings, ProvisioningSettings):
        settings = ProvisioningSettings.model_validate(settings.model_dump())
    spec = ServiceSpec(
        name="provisioning",
        title="KubeOperator provisioning",
        description="Workspaces: VMs on vSphere and OpenStack created by Terraform from the inventory's plans, "
        "their addresses, states and inventory hosts.",
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[workspaces_router, workspaces_internal, JOBS_ROUTER],
        on_startup=[_start_worker],
        on_shutdown=[_stop_worker],
    )
    return create_service_app(spec, settings)
