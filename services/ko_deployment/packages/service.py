"""Offline packages: import (checked at once, verified in the background), listing, versions, deletion.

The request's transaction is the framework's: functions taking a session only flush. The background
import (``run_import``) opens its own transactions: one to read the request, one to record the outcome
and its event, with the file work in between in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.db import Database, new_id, utcnow
from ko_common.errors import Conflict, InvalidInput, NotFound
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_deployment.clusters.models import Cluster
from ko_deployment.packages import events, store
from ko_deployment.packages.manifest import ManifestError
from ko_deployment.packages.models import OfflinePackage
from ko_deployment.packages.repository import OfflinePackageRepository
from ko_deployment.packages.schemas import KubernetesVersion, OfflinePackageEvent, OfflinePackageImport
from ko_deployment.packages.source import SourceError, check_source, read_manifest

log = logging.getLogger(__name__)

INTERRUPTED = (
    "The import was interrupted because the deployment service stopped before it finished; "
    "nothing of it was kept: import the package again."
)
UNEXPECTED = (
    "The import failed unexpectedly; the deployment service's log has the details under this package's id. "
    "Import the package again, and report the log if it fails the same way."
)


async def start_import(session: AsyncSession, identity: Identity, body: OfflinePackageImport) -> OfflinePackage:
    """Check the source and its manifest, refuse a duplicate, record the package as importing."""
    identity.require_admin()
    try:
        source = check_source(body.source)
        manifest, _ = await asyncio.to_thread(read_manifest, source)
    except SourceError as exc:
        raise InvalidInput(str(exc), field="source") from exc
    except ManifestError as exc:
        raise InvalidInput(f"The package's manifest.yaml is invalid: {exc}", field="source") from exc
    repo = OfflinePackageRepository(session)
    label = f"Kubernetes {manifest.kubernetes_version} ({manifest.arch})"
    for other in await repo.live(manifest.kubernetes_version, manifest.arch):
        if other.status == "importing":
            raise Conflict(
                f"{label} is being imported already (package {other.id}): wait until it is ready or failed.",
                field="source",
            )
        if not body.replace:
            raise Conflict(
                f"{label} is already in the repository (package {other.id}): delete it first, "
                'or import with "replace": true.',
                field="replace",
            )
    package = OfflinePackage(
        id=new_id(),
        version=manifest.kubernetes_version,
        arch=manifest.arch,
        status="importing",
        source=str(source),
        replace_existing=body.replace,
        manifest=manifest.model_dump(by_alias=True, mode="json"),
        size=manifest.total_size,
        artifact_count=len(manifest.artifacts),
        imported_by=identity.username,
    )
    await repo.add(package)
    log.info("offline package import requested", extra=log_fields(package_id=package.id, version=package.version))
    return package


async def run_import(db: Database, root: Path, package_id: str, cancel: threading.Event) -> None:
    """Verify and install a package recorded as importing; record ready or failed, with its event."""
    async with db.transaction() as session:
        package = await OfflinePackageRepository(session).get(package_id)
        if package is None or package.status != "importing":
            return
        source, replace, requested = Path(package.source), package.replace_existing, package.manifest
    error: str | None = None
    try:
        manifest, prefix = await asyncio.to_thread(read_manifest, source)
        if manifest.model_dump(by_alias=True, mode="json") != requested:
            raise store.PackageRefused(f"{source}: manifest.yaml changed after the import was requested: import again")
        result = await asyncio.to_thread(
            store.stage_and_install, root, source, prefix, manifest, package_id, replace=replace, cancel=cancel
        )
    except (store.PackageRefused, SourceError, ManifestError) as exc:
        error = str(exc)
    except store.Interrupted:
        error = INTERRUPTED
    except Exception:
        log.exception("offline package import failed", extra=log_fields(package_id=package_id))
        error = UNEXPECTED
    async with db.transaction() as session:
        repo = OfflinePackageRepository(session)
        package = await repo.lock(package_id)
        if package is None:
            return
        if error is not None:
            package.status, package.error = "failed", error
            await emit(session, events.FAILED, OfflinePackageEvent.of(package), subject_id=package.id)
            log.warning("offline package refused", extra=log_fields(package_id=package_id, error=error[:500]))
            return
        for other in await repo.live(package.version, package.arch):
            if other.id != package.id:  # replaced: its files were swapped out with this import
                await repo.delete(other)
        package.status, package.error, package.size, package.imported_at = "ready", None, result.size, utcnow()
        await emit(session, events.IMPORTED, OfflinePackageEvent.of(package), subject_id=package.id)
        log.info("offline package imported", extra=log_fields(package_id=package_id, path=str(result.path)))


@dataclass
class ImportRunner:
    """The background imports of one service process."""

    db: Database
    root: Path
    cancel: threading.Event = field(default_factory=threading.Event)
    tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    async def launch(self, package_id: str) -> None:
        """Start the import in the background (async so that it runs on the event loop)."""
        task = asyncio.create_task(run_import(self.db, self.root, package_id, self.cancel), name=f"import-{package_id}")
        self.tasks[package_id] = task
        task.add_done_callback(lambda _: self.tasks.pop(package_id, None))

    async def stop(self, timeout: float = 10.0) -> None:
        """Interrupt running imports: each records itself failed (or start-up recovery does)."""
        self.cancel.set()
        if self.tasks:
            await asyncio.wait(list(self.tasks.values()), timeout=timeout)

    async def recover(self) -> None:
        """At start-up: imports left running by a stopped process failed; leftovers are removed.

        One process imports into a repository directory; several replicas need one shared volume
        and only one of them importing (a later change can add a lease).
        """
        async with self.db.transaction() as session:
            repo = OfflinePackageRepository(session)
            for package in await repo.with_status("importing"):
                package.status, package.error = "failed", INTERRUPTED
                await emit(session, events.FAILED, OfflinePackageEvent.of(package), subject_id=package.id)
                log.warning("offline package import interrupted", extra=log_fields(package_id=package.id))
            ready = {f"{p.version}-{p.arch}" for p in await repo.with_status("ready")}
        removed = await asyncio.to_thread(_clear, self.root, ready)
        if removed:
            log.info("repository leftovers removed", extra=log_fields(paths=removed))


def _clear(root: Path, ready: set[str]) -> list[str]:
    removed = store.clear_leftovers(root)
    packages = root / store.PACKAGES
    if packages.is_dir():
        for child in packages.iterdir():
            # A directory no ready package owns: an import whose outcome was never recorded.
            if child.name not in ready:
                shutil.rmtree(child, ignore_errors=True)
                removed.append(f"{store.PACKAGES}/{child.name}")
    return removed


async def get(session: AsyncSession, package_id: str) -> OfflinePackage:
    package = await OfflinePackageRepository(session).get(package_id)
    if package is None:
        raise NotFound(f"No offline package {package_id}: list them with GET /api/v1/offline-packages.")
    return package


async def list_packages(
    session: AsyncSession, status: str | None, limit: int, offset: int
) -> tuple[Sequence[OfflinePackage], int]:
    return await OfflinePackageRepository(session).search(status, limit, offset)


async def delete(session: AsyncSession, identity: Identity, package_id: str, root: Path) -> Path | None:
    """Remove a package; returns its withdrawn directory for the caller to remove after commit."""
    identity.require_admin()
    package = await get(session, package_id)
    if package.status == "importing":
        raise Conflict(
            f"Package {package_id} is still being imported: wait until it is ready or failed, then delete it."
        )
    if package.status == "ready":
        users = (
            (
                await session.execute(
                    select(Cluster.name)
                    .where(Cluster.version == package.version, Cluster.arch == package.arch)
                    .limit(10)
                )
            )
            .scalars()
            .all()
        )
        if users:
            raise Conflict(
                f"Clusters use Kubernetes {package.version} ({package.arch}) from this package: {', '.join(users)}. "
                "Upgrade or delete them first; their nodes install from it."
            )
    withdrawn = None
    if package.status == "ready":
        withdrawn = await asyncio.to_thread(store.withdraw, root, package.version, package.arch, package.id)
    await OfflinePackageRepository(session).delete(package)
    await emit(session, events.DELETED, OfflinePackageEvent.of(package), subject_id=package.id)
    log.info("offline package deleted", extra=log_fields(package_id=package_id))
    return withdrawn


def remove_quietly(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            shutil.rmtree(path)


_NUMBERS = re.compile(r"(\d+)\.(\d+)\.(\d+)(.*)")


def version_key(version: str) -> tuple[int, int, int, int, str]:
    m = _NUMBERS.fullmatch(version)
    if m is None:
        return (0, 0, 0, 0, version)
    major, minor, patch, rest = m.groups()
    # A release sorts after its pre-releases (1.36.0 > 1.36.0-rc.1).
    return (int(major), int(minor), int(patch), 0 if rest.startswith("-") else 1, rest)


async def versions(session: AsyncSession) -> list[KubernetesVersion]:
    ready = await OfflinePackageRepository(session).with_status("ready")
    out = [
        KubernetesVersion(
            kubernetes_version=p.version,
            arch=p.arch,
            package_id=p.id,
            components=dict(p.manifest.get("components", {})),
        )
        for p in ready
    ]
    out.sort(key=lambda v: (version_key(v.kubernetes_version), v.arch), reverse=True)
    return out
