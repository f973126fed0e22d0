"""The deployment service application."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.app import ServiceSpec, create_service_app
from ko_common.crypto import SecretBox, attach
from ko_common.netaddr import local_addresses
from ko_common.operations.ansible.executor import AnsibleExecutor
from ko_common.operations.ansible.runner import NodeAccess
from ko_common.operations.executors import PrepareFailed
from ko_common.operations.worker import Worker
from ko_common.settings import SERVICE_PORTS, Settings
from ko_deployment.backup_client import BackupClient
from ko_deployment.clusters import etcd_backups, provisioned, upgrade
from ko_deployment.clusters import kinds as cluster_kinds
from ko_deployment.clusters import service as cluster_service
from ko_deployment.clusters.access import router as cluster_access_router
from ko_deployment.clusters.endpoints import router as clusters_router
from ko_deployment.clusters.health import NodeHealth
from ko_deployment.clusters.repository import ClusterRepository
from ko_deployment.clusters.service import Context as ClusterContext
from ko_deployment.compliance import service as compliance
from ko_deployment.compliance.endpoints import router as compliance_router
from ko_deployment.inventory_client import HostsMissing, InventoryClient
from ko_deployment.models import Base
from ko_deployment.monitoring import service as monitoring
from ko_deployment.monitoring.endpoints import router as monitoring_router
from ko_deployment.operations import service as operations
from ko_deployment.operations.endpoints import router as operations_router
from ko_deployment.operations.events import CHANNELS
from ko_deployment.operations.models import TABLES
from ko_deployment.packages.endpoints import RepositoryFiles, versions_router
from ko_deployment.packages.endpoints import router as packages_router
from ko_deployment.packages.providers import providers_router
from ko_deployment.packages.service import ImportRunner
from ko_deployment.provisioning_client import ProvisioningClient

REPOSITORY_PATH = "/repository"
PLAYBOOKS_DIR = Path(__file__).resolve().parents[2] / "playbooks"


class DeploymentSettings(Settings):
    service: str = "deployment"
    repository_url: str | None = Field(
        None,
        description="URL at which the cluster nodes reach the offline repository (/repository/, read-only, "
        "without authentication), e.g. http://10.1.0.5:8080/repository. Default: each node is given "
        "http://<this machine's address on the network that node is reached through>:<KO_REPOSITORY_PORT>"
        "/repository, which works on one machine whatever the nodes' networks. Set it when the nodes reach "
        "the product through a load balancer, an ingress or NAT (every multi-replica installation).",
    )
    repository_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Port the nodes reach /repository at on this machine when KO_REPOSITORY_URL is unset: "
        "`kubeoperator run` sets it to the gateway's port (the gateway serves /repository from this "
        "service). Default: this service's own port.",
    )

    secret_key: SecretStr | None = Field(
        None,
        description="Key that encrypts the clusters' kubeconfigs at rest: base64 of 32 bytes "
        "(`openssl rand -base64 32`). Unset in development: generated into <data_dir>/secret-key.",
    )
    inventory_url: str = Field(
        f"http://127.0.0.1:{SERVICE_PORTS['inventory']}",
        description="Base URL of the inventory service (the workers fetch the nodes' logins from it).",
    )
    backup_url: str = Field(
        f"http://127.0.0.1:{SERVICE_PORTS['backup']}",
        description="Base URL of the backup service (backups' snapshots are delivered to it, restores read from it).",
    )
    provisioning_url: str = Field(
        f"http://127.0.0.1:{SERVICE_PORTS['provisioning']}",
        description="Base URL of the provisioning service: it creates the VMs of clusters planned from a plan.",
    )
    playbooks_dir: Path = Field(
        PLAYBOOKS_DIR,
        description="Directory of the Ansible content (the repository's playbooks/; /app/playbooks in the image).",
    )
    phase_timeout_seconds: int = Field(
        3600, ge=60, le=86400, description="A phase (one playbook) still running after this long is stopped and fails."
    )
    ansible_pipelining: bool = Field(
        True,
        description="Ansible pipelining (modules sent through the SSH connection, no temporary files on the "
        "node): several times fewer SSH round trips per task. Turn it off only for nodes whose sudo requires a "
        "tty (`Defaults requiretty`). SSH multiplexing (ControlPersist) is always on.",
    )
    workers: int = Field(
        2, ge=0, le=64, description="Operations one replica runs at once (0: this replica runs none, API only)."
    )
    node_health_interval_seconds: int = Field(
        30,
        ge=0,
        le=3600,
        description="How often the nodes of every running cluster are read from its API server (node health); "
        "0: never.",
    )
    node_not_ready_seconds: int = Field(
        300,
        ge=0,
        le=86400,
        description="A node not Ready for longer than this is marked not-ready in its cluster's nodes (and an "
        "event sent); it is ready again as soon as it is Ready.",
    )
    cluster_access_services: Annotated[tuple[str, ...], NoDecode] = Field(
        ("observability", "backup", "tools"),
        description="Services that may read a cluster's admin kubeconfig (GET /internal/clusters/{id}/kubeconfig, "
        "with their signed service identity; never through the gateway), comma-separated, e.g. "
        "`observability,backup`; empty: none may. Users are always refused there. Every grant, and every refusal "
        "to a service, is an event (ko.deployment.cluster.access-granted / access-refused) and a log line.",
    )

    def secret_fields(self) -> list[str]:
        return [*super().secret_fields(), "secret_key"]

    @field_validator("cluster_access_services", mode="before")
    @classmethod
    def _service_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [n.strip() for n in value.split(",") if n.strip()]
        if not isinstance(value, list | tuple):
            return value  # pydantic's own type error names it
        bad = [n for n in value if not isinstance(n, str) or not re.fullmatch(r"[a-z][a-z0-9-]{0,39}", n)]
        if bad:
            raise ValueError(
                f"KO_CLUSTER_ACCESS_SERVICES holds {bad!r}: give service names (lowercase letters, digits, -) "
                "separated by commas, e.g. observability,backup,tools"
            )
        return tuple(value)

    @field_validator("repository_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("http://", "https://")) or any(c.isspace() for c in value):
            raise ValueError(
                "KO_REPOSITORY_URL must be an http:// or https:// URL, e.g. http://10.1.0.5:8083/repository"
            )
        return value.rstrip("/")

    @property
    def repository_dir(self) -> Path:
        return self.data_dir.resolve() / "repository"

    @property
    def resolved_repository_port(self) -> int:
        return self.repository_port or self.port

    def repository_vars(self) -> dict[str, Any]:
        """What the playbooks need to find the repository (read at every run: a retry sees a new setting)."""
        return {"url": self.repository_url or "", "port": self.resolved_repository_port, "path": REPOSITORY_PATH}

    @property
    def resolved_repository_url(self) -> str:
        """The repository's URL as people are shown it (the nodes may each be given another address)."""
        if self.repository_url:
            return self.repository_url
        addresses = local_addresses()
        host = addresses[0] if addresses else "127.0.0.1"
        return f"http://{host}:{self.resolved_repository_port}{REPOSITORY_PATH}"


async def _start_imports(app: FastAPI) -> None:
    settings: DeploymentSettings = app.state.settings
    (settings.repository_dir / "packages").mkdir(parents=True, exist_ok=True)
    runner = ImportRunner(app.state.db, settings.repository_dir)
    await runner.recover()
    app.state.package_imports = runner


async def _start_worker(app: FastAPI) -> None:
    settings: DeploymentSettings = app.state.settings
    # Fails start-up with a clear message when the key is unusable, before any request.
    attach(app.state.db.sessionmaker, SecretBox.from_settings(settings))
    client = InventoryClient(settings.inventory_url, app.state.identity_key)
    app.state.cluster_context = ClusterContext(client, settings.playbooks_dir, settings.resolved_repository_url)
    cluster_kinds.register(operations.KINDS, settings.playbooks_dir, client)
    monitoring.register(operations.KINDS, settings.playbooks_dir)
    compliance.register(operations.KINDS, settings.playbooks_dir)
    operations.STEPS.steps[upgrade.RECORD_STEP] = upgrade.record_version_step(app.state.db)
    provisioned.register(
        operations.STEPS,
        app.state.db,
        client,
        ProvisioningClient(settings.provisioning_url, app.state.identity_key),
        cluster_service.deploy_spec_for(settings.resolved_repository_url),
    )
    etcd_backups.register(
        operations.KINDS,
        operations.STEPS,
        settings.playbooks_dir,
        settings.data_dir.resolve(),
        BackupClient(settings.backup_url, app.state.identity_key),
    )

    async def nodes(spec: dict[str, Any]) -> list[NodeAccess]:
        try:
            return await client.nodes(spec)
        except HostsMissing as exc:
            raise PrepareFailed(
                f"The operation's hosts are not all in the inventory any more: {exc}",
                hint="Register the hosts again, or start a new operation with the hosts that exist.",
            ) from exc

    ansible = AnsibleExecutor(
        nodes=nodes,
        playbooks_dir=settings.playbooks_dir,
        ansible_pipelining=settings.ansible_pipelining,
        # Read at every run, so a retry after a settings change (KO_REPOSITORY_URL) uses the new one.
        run_vars=lambda _spec: {"ko_repository": settings.repository_vars()},
    )
    worker = Worker(
        app.state.db,
        app.state.bus,
        tables=TABLES,
        channels=CHANNELS,
        kinds=operations.KINDS,
        executors={ansible.name: ansible, operations.STEPS.name: operations.STEPS},
        work_dir=settings.data_dir.resolve() / "operations",
        phase_timeout_seconds=settings.phase_timeout_seconds,
        concurrency=settings.workers,
    )
    app.state.worker = worker
    if settings.workers > 0:
        app.state.tasks.append(asyncio.create_task(worker.run(), name="operation-worker"))


async def _start_node_health(app: FastAPI) -> None:
    settings: DeploymentSettings = app.state.settings
    if settings.node_health_interval_seconds > 0:
        health = NodeHealth(
            app.state.db,
            interval_seconds=settings.node_health_interval_seconds,
            not_ready_seconds=settings.node_not_ready_seconds,
        )
        app.state.tasks.append(asyncio.create_task(health.run(), name="node-health"))


async def _stop_worker(app: FastAPI) -> None:
    worker: Worker | None = getattr(app.state, "worker", None)
    if worker is not None:
        await worker.stop()


async def _project_usage(session: AsyncSession, project_id: str) -> dict[str, int]:
    return {"clusters": await ClusterRepository(session).count_in_project(project_id)}


async def _stop_imports(app: FastAPI) -> None:
    runner: ImportRunner | None = getattr(app.state, "package_imports", None)
    if runner is not None:
        await runner.stop()


def create_app(settings: Settings | None = None) -> FastAPI:
    # pydantic-settings fills every field from KO_* variables; mypy needs pydantic's plugin to know.
    settings = settings or DeploymentSettings()  # type: ignore[call-arg]
    if not isinstance(settings, DeploymentSettings):
        settings = DeploymentSettings.model_validate(settings.model_dump())
    spec = ServiceSpec(
        name="deployment",
        title="KubeOperator deployment",
        description="Clusters, operations and the Ansible job runner; the offline package repository.",
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[
            packages_router,
            providers_router,
            versions_router,
            operations_router,
            clusters_router,
            cluster_access_router,
            monitoring_router,
            compliance_router,
            operations.JOBS_ROUTER,
        ],
        project_usage=_project_usage,
        on_startup=[_start_imports, _start_worker, _start_node_health],
        on_shutdown=[_stop_worker, _stop_imports],
    )
    app = create_service_app(spec, settings)
    # Nodes fetch packages here; nothing secret is ever written under the repository directory.
    app.mount(REPOSITORY_PATH, RepositoryFiles(directory=settings.repository_dir, check_dir=False), name="repository")
    return app
