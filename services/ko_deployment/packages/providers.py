"""The Terraform providers of the ready packages, for the provisioning service's filesystem mirror.

``GET /internal/terraform-providers`` (not in the public API; the gateway forwards only ``/api/v1/...``)
answers only the provisioning service's signed identity. It lists every ``terraform-provider`` artifact of
every ready package, once per source, version and platform (Terraform's mirror holds one build of each):
the newest package's wins, and another package's build with other bytes is logged, not listed. Each
entry's ``url`` is the file's path under the served repository, which answers without authentication:
the listing only says what is there and its sha256, which the provisioning service checks.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request

from ko_common.db import SessionDep
from ko_common.identity import CurrentIdentity
from ko_common.logging import log_fields
from ko_deployment.packages.manifest import Manifest
from ko_deployment.packages.repository import OfflinePackageRepository
from ko_deployment.packages.schemas import TerraformProvider, TerraformProviders
from ko_deployment.packages.service import version_key

log = logging.getLogger(__name__)
PATH = "/internal/terraform-providers"
CALLER = "provisioning"
REPOSITORY_MOUNT = "repository"  # the name app.py mounts the served repository under

providers_router = APIRouter(include_in_schema=False)


@providers_router.get(PATH)
async def terraform_providers(request: Request, session: SessionDep, identity: CurrentIdentity) -> TerraformProviders:
    identity.require_service(CALLER)
    ready = await OfflinePackageRepository(session).with_status("ready")
    ready = sorted(ready, key=lambda p: (version_key(p.version), p.arch), reverse=True)
    chosen: dict[tuple[str, str, str], TerraformProvider] = {}
    for package in ready:
        manifest = Manifest.model_validate(package.manifest)
        for artifact in manifest.artifacts:
            if (provider := artifact.provider) is None:
                continue
            key = (provider.source, provider.version, provider.platform)
            first = chosen.get(key)
            if first is not None:
                if first.sha256 != artifact.sha256:
                    log.warning(
                        "terraform provider differs between packages",
                        extra=log_fields(provider=" ".join(key), kept=first.url, package_id=package.id),
                    )
                continue
            rel = f"/packages/{manifest.directory_name}/{artifact.path}"
            chosen[key] = TerraformProvider(
                source=provider.source,
                version=provider.version,
                platform=provider.platform,
                file=provider.file,
                sha256=artifact.sha256,
                size=artifact.size,
                url=str(request.app.url_path_for(REPOSITORY_MOUNT, path=rel)),
            )
    return TerraformProviders(providers=[chosen[k] for k in sorted(chosen)])
