"""The inventory service application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from pydantic import Field, SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.app import ServiceSpec, create_service_app
from ko_common.crypto import SecretBox, attach
from ko_common.settings import Settings
from ko_inventory.credentials.endpoints import router as credentials_router
from ko_inventory.credentials.repository import CredentialRepository
from ko_inventory.models import Base
from ko_inventory.projects.consumer import consumer_for


class InventorySettings(Settings):
    service: str = "inventory"
    secret_key: SecretStr | None = Field(
        None,
        description="Key that encrypts credentials at rest: base64 of 32 bytes (`openssl rand -base64 32`). "
        "Unset in development: generated into <data_dir>/secret-key. Losing it loses every stored secret.",
    )

    def secret_fields(self) -> list[str]:
        return [*super().secret_fields(), "secret_key"]


async def _install_secret_box(app: FastAPI) -> None:
    # Fails start-up with a clear message when the key is unusable, before any request.
    attach(app.state.db.sessionmaker, SecretBox.from_settings(app.state.settings))


async def _project_usage(session: AsyncSession, project_id: str) -> dict[str, int]:
    return {"credentials": await CredentialRepository(session).count_in_project(project_id)}


def create_app(settings: Settings | None = None) -> FastAPI:
    # pydantic-settings fills every field from KO_* variables; mypy needs pydantic's plugin to know.
    settings = settings or InventorySettings()  # type: ignore[call-arg]
    spec = ServiceSpec(
        name="inventory",
        title="KubeOperator inventory",
        description="Credentials, hosts and their facts, regions, zones, plans and IP pools.",
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        routers=[credentials_router],
        consumers=[consumer_for(settings.resolved_database_url)],
        on_startup=[_install_secret_box],
        project_usage=_project_usage,
    )
    return create_service_app(spec, settings)
