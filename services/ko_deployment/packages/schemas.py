"""Offline packages in and out of the API, and the event payload."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ko_deployment.packages.manifest import Artifact, Manifest
from ko_deployment.packages.models import OfflinePackage

Status = Literal["importing", "ready", "failed"]


class OfflinePackageImport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(
        min_length=1,
        max_length=4096,
        description="Absolute path on the deployment server of the package: its directory (holding manifest.yaml) "
        "or a .tar, .tar.gz or .tgz file of it.",
    )
    replace: bool = Field(False, description="Replace a ready package of the same Kubernetes version and architecture.")


class RepositoryOut(BaseModel):
    url: str = Field(
        description="The offline repository's URL (served at /repository on the gateway's port). Unless "
        "configured, each node is given this machine's address on the network that node is reached through, "
        "which may differ from the one shown here."
    )
    configured: bool = Field(description="True when an administrator set the URL (KO_REPOSITORY_URL).")
    detail: str = Field(description="How the nodes are given the URL, and the setting that changes it.")


class OfflinePackageOut(BaseModel):
    id: str
    kubernetes_version: str
    arch: str
    status: Status
    error: str | None = Field(description="Why the import failed, naming the artifact and what to do.")
    source: str
    size: int = Field(description="Bytes of all the artifacts.")
    artifact_count: int
    components: dict[str, str]
    url: str | None = Field(description="Where nodes fetch the package from (ready packages only).")
    apt_source: str | None = Field(
        description="The apt source line for the package's .debs (ready packages that have .debs)."
    )
    imported_by: str
    created_at: datetime
    imported_at: datetime | None

    @classmethod
    def of(cls, p: OfflinePackage, repository_url: str) -> OfflinePackageOut:
        url = f"{repository_url}/packages/{p.version}-{p.arch}" if p.status == "ready" else None
        has_debs = any(a.get("kind") == "deb" for a in p.manifest.get("artifacts", []))
        return cls(
            id=p.id,
            kubernetes_version=p.version,
            arch=p.arch,
            status=p.status,  # type: ignore[arg-type]
            error=p.error,
            source=p.source,
            size=p.size,
            artifact_count=p.artifact_count,
            components=dict(p.manifest.get("components", {})),
            url=url,
            apt_source=f"deb [trusted=yes] {url}/debs ./" if url and has_debs else None,
            imported_by=p.imported_by,
            created_at=p.created_at,
            imported_at=p.imported_at,
        )


class OfflinePackageDetail(OfflinePackageOut):
    manifest: Manifest = Field(description="The manifest as in manifest.yaml (apiVersion kubeoperator.io/package/v1).")
    artifacts: list[Artifact]

    @classmethod
    def detail(cls, p: OfflinePackage, repository_url: str) -> OfflinePackageDetail:
        manifest = Manifest.model_validate(p.manifest)
        base = OfflinePackageOut.of(p, repository_url).model_dump()
        return cls(**base, manifest=manifest, artifacts=manifest.artifacts)


class KubernetesVersion(BaseModel):
    kubernetes_version: str
    arch: str
    package_id: str
    components: dict[str, str]


class KubernetesVersions(BaseModel):
    items: list[KubernetesVersion] = Field(description="Newest first; one entry per version and architecture.")


class OfflinePackageEvent(BaseModel):
    """An offline package as events describe it."""

    id: str
    kubernetes_version: str
    arch: str
    status: Status
    size: int
    artifact_count: int
    components: dict[str, str]
    error: str | None = None

    @classmethod
    def of(cls, p: OfflinePackage) -> OfflinePackageEvent:
        return cls(
            id=p.id,
            kubernetes_version=p.version,
            arch=p.arch,
            status=p.status,  # type: ignore[arg-type]
            size=p.size,
            artifact_count=p.artifact_count,
            components=dict(p.manifest.get("components", {})),
            error=p.error,
        )


class TerraformProvider(BaseModel):
    """A Terraform provider build of a ready package (internal: the provisioning service's mirror)."""

    source: str = Field(description="Terraform's source address, e.g. registry.terraform.io/hashicorp/vsphere.")
    version: str
    platform: str = Field(description="<os>_<arch>, e.g. linux_amd64.")
    file: str = Field(description="The executable's name in the mirror, e.g. terraform-provider-vsphere_v2.0.2_x5.")
    sha256: str
    size: int
    url: str = Field(description="Its path on the deployment service, under the repository (/repository/...).")


class TerraformProviders(BaseModel):
    providers: list[TerraformProvider] = Field(description="One per source, version and platform.")
