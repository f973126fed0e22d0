"""HTTP routes of offline packages (/api/v1/offline-packages, /api/v1/versions) and the served repository."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response, status
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import Scope

from ko_common.db import SessionDep
from ko_common.identity import CurrentIdentity, permission
from ko_common.repository import Page
from ko_deployment.packages import service
from ko_deployment.packages.schemas import (
    KubernetesVersions,
    OfflinePackageDetail,
    OfflinePackageImport,
    OfflinePackageOut,
    RepositoryOut,
)

router = APIRouter(prefix="/api/v1/offline-packages", tags=["offline-packages"])
versions_router = APIRouter(prefix="/api/v1/versions", tags=["offline-packages"])


@dataclass(frozen=True)
class RepositoryConfig:
    root: Path
    url: str
    configured: bool


def _repository(request: Request) -> RepositoryConfig:
    settings = request.app.state.settings
    return RepositoryConfig(settings.repository_dir, settings.resolved_repository_url, bool(settings.repository_url))


RepositoryDep = Annotated[RepositoryConfig, Depends(_repository)]


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="importOfflinePackage",
    summary="Import an offline package from a directory or tarball on the deployment server",
    description="The source and its manifest are checked at once; the artifacts are then verified (size and "
    "sha256) and copied in the background. Poll the package until its status is `ready` or `failed`.",
    openapi_extra=permission("admin"),
)
async def import_package(
    request: Request,
    session: SessionDep,
    identity: CurrentIdentity,
    repository: RepositoryDep,
    body: OfflinePackageImport,
    background: BackgroundTasks,
) -> OfflinePackageOut:
    package = await service.start_import(session, identity, body)
    # Launched after the response, hence after the commit: the import always finds its row.
    background.add_task(request.app.state.package_imports.launch, package.id)
    return OfflinePackageOut.of(package, repository.url)


@router.get(
    "",
    operation_id="listOfflinePackages",
    summary="List offline packages, newest first",
    openapi_extra=permission("authenticated"),
)
async def list_packages(
    session: SessionDep,
    identity: CurrentIdentity,
    repository: RepositoryDep,
    status_: Annotated[Literal["importing", "ready", "failed"] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[OfflinePackageOut]:
    items, total = await service.list_packages(session, status_, limit, offset)
    return Page[OfflinePackageOut](
        items=[OfflinePackageOut.of(p, repository.url) for p in items], total=total, limit=limit, offset=offset
    )


@router.get(
    "/repository",
    operation_id="getOfflineRepository",
    summary="Where the cluster nodes fetch the offline packages from",
    openapi_extra=permission("authenticated"),
)
async def get_repository(identity: CurrentIdentity, repository: RepositoryDep) -> RepositoryOut:
    if repository.configured:
        detail = "The nodes are given this URL (KO_REPOSITORY_URL)."
    else:
        detail = (
            "Each node is given this machine's address on the network the node is reached through, with the "
            "gateway's port. Set KO_REPOSITORY_URL when the nodes reach the product through a load balancer, "
            "an ingress or NAT."
        )
    return RepositoryOut(url=repository.url, configured=repository.configured, detail=detail)


@router.get(
    "/{package_id}",
    operation_id="getOfflinePackage",
    summary="Get an offline package with its manifest and artifacts",
    openapi_extra=permission("authenticated"),
)
async def get_package(
    session: SessionDep, identity: CurrentIdentity, repository: RepositoryDep, package_id: str
) -> OfflinePackageDetail:
    return OfflinePackageDetail.detail(await service.get(session, package_id), repository.url)


@router.delete(
    "/{package_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteOfflinePackage",
    summary="Delete an offline package and its files from the repository",
    openapi_extra=permission("admin"),
)
async def delete_package(
    session: SessionDep,
    identity: CurrentIdentity,
    repository: RepositoryDep,
    package_id: str,
    background: BackgroundTasks,
) -> Response:
    withdrawn = await service.delete(session, identity, package_id, repository.root)
    background.add_task(service.remove_quietly, withdrawn)
    return Response(status_code=status.HTTP_204_NO_CONTENT, background=background)


@versions_router.get(
    "",
    operation_id="listKubernetesVersions",
    summary="Kubernetes versions that can be deployed: those of ready offline packages, with component versions",
    openapi_extra=permission("authenticated"),
)
async def list_versions(session: SessionDep, identity: CurrentIdentity) -> KubernetesVersions:
    return KubernetesVersions(items=await service.versions(session))


class RepositoryFiles(StaticFiles):
    """The repository, read-only, without listings; hidden paths (imports in progress, trash) are not served."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if any(part.startswith(".") for part in Path(path).parts):
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)
