"""The deployment service application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from pydantic import Field, field_validator

from ko_common.app import ServiceSpec, create_service_app
from ko_common.settings import Settings
from ko_deployment.models import Base
from ko_deployment.packages.endpoints import RepositoryFiles, versions_router
from ko_deployment.packages.endpoints import router as packages_router
from ko_deployment.packages.service import ImportRunner

REPOSITORY_PATH = "/repository"


class DeploymentSettings(Settings):
    service: str = "deployment"
    repository_url: str | None = Field(
        None,
        description="URL at which the cluster nodes reach this service's offline repository (served at "
        "/repository/, read-only, without authentication). Default: http://<KO_HTTP_HOST>:<port>/repository, "
        "so the deployment service must listen on an address the nodes can reach (KO_HTTP_HOST); set this "
        "when it binds 0.0.0.0 or sits behind a proxy, e.g. http://10.1.0.5:8083/repository.",
    )

    @field_validator("repository_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
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
    def resolved_repository_url(self) -> str:
        if self.repository_url:
            return self.repository_url
        host = f"[{self.http_host}]" if ":" in self.http_host else self.http_host
        return f"http://{host}:{self.port}{REPOSITORY_PATH}"


async def _start_imports(app: FastAPI) -> None:
    settings: DeploymentSettings = app.state.settings
    (settings.repository_dir / "packages").mkdir(parents=True, exist_ok=True)
    runner = ImportRunner(app.state.db, settings.repository_dir)
    await runner.recover()
    app.state.package_imports = runner


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
        routers=[packages_router, versions_router],
        on_startup=[_start_imports],
        on_shutdown=[_stop_imports],
    )
    app = create_service_app(spec, settings)
    # Nodes fetch packages here; nothing secret is ever written under the repository directory.
    app.mount(REPOSITORY_PATH, RepositoryFiles(directory=settings.repository_dir, check_dir=False), name="repository")
    return app
