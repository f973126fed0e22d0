"""Offline packages from the command line.

    python -m ko_deployment.packages build <dir> --kubernetes-version 1.36.0 --arch amd64 \
        [--component containerd=1.7.27 ...] [--input spec.yaml] [--tarball out.tar.gz]
    python -m ko_deployment.packages import <dir or tarball> [--replace]

``import`` takes the same path as ``POST /api/v1/offline-packages`` against the database of the
configured deployment service (KO_DATA_DIR, KO_DATABASE_URL); its events are published by the
service's relay. Exit status 0 when the package is ready, 1 when it was refused.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import threading
from pathlib import Path
from typing import Any

import yaml

from ko_common import migrations
from ko_common.db import Database
from ko_common.errors import KOError
from ko_common.identity import Identity
from ko_deployment.app import DeploymentSettings
from ko_deployment.models import OUTBOX
from ko_deployment.packages import service
from ko_deployment.packages.build import BuildError, write_manifest, write_tarball
from ko_deployment.packages.manifest import ManifestError
from ko_deployment.packages.repository import OfflinePackageRepository
from ko_deployment.packages.schemas import OfflinePackageImport


def _spec(args: argparse.Namespace) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if args.input:
        loaded = yaml.safe_load(Path(args.input).read_text())
        if not isinstance(loaded, dict):
            raise BuildError(f"{args.input} must be a mapping (kubernetesVersion, arch, components, artifacts)")
        spec.update(loaded)
    if args.kubernetes_version:
        spec["kubernetesVersion"] = args.kubernetes_version
    if args.arch:
        spec["arch"] = args.arch
    if args.description:
        spec["description"] = args.description
    components = dict(spec.get("components") or {})
    for item in args.component:
        name, sep, version = item.partition("=")
        if not sep:
            raise BuildError(f"--component {item!r}: write name=version, e.g. containerd=1.7.27")
        components[name] = version
    spec["components"] = components
    for key in ("kubernetesVersion", "arch"):
        if not spec.get(key):
            raise BuildError(f"{key} is missing: pass --{'kubernetes-version' if key != 'arch' else 'arch'}")
    return spec


def build(args: argparse.Namespace) -> int:
    root = Path(args.directory)
    manifest = write_manifest(root, _spec(args))
    print(f"wrote {root / 'manifest.yaml'}: Kubernetes {manifest.kubernetes_version} {manifest.arch}, "
          f"{len(manifest.artifacts)} artifacts, {manifest.total_size} bytes")  # fmt: skip
    if args.tarball:
        print(f"wrote {write_tarball(root, Path(args.tarball))}")
    return 0


async def import_package(settings: DeploymentSettings, source: str, replace: bool) -> int:
    db = Database(settings.resolved_database_url, settings.service)
    db.sessionmaker.configure(info={"ko_outbox": OUTBOX, "ko_service": settings.service})
    try:
        await migrations.upgrade(db, Path(__file__).parents[1] / "migrations")
        who = Identity("cli", f"cli:{getpass.getuser()}", is_admin=True)
        try:
            async with db.transaction() as session:
                package = await service.start_import(session, who, OfflinePackageImport(source=source, replace=replace))
        except KOError as exc:
            print(f"refused: {exc.detail}", file=sys.stderr)
            return 1
        print(f"importing Kubernetes {package.version} {package.arch} as package {package.id} ...")
        (settings.repository_dir / "packages").mkdir(parents=True, exist_ok=True)
        await service.run_import(db, settings.repository_dir, package.id, threading.Event())
        async with db.transaction() as session:
            done = await OfflinePackageRepository(session).get(package.id)
        assert done is not None
        if done.status != "ready":
            print(f"failed: {done.error}", file=sys.stderr)
            return 1
        url = f"{settings.resolved_repository_url}/packages/{done.version}-{done.arch}"
        print(f"ready: {done.artifact_count} artifacts, {done.size} bytes, served at {url}")
        return 0
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ko_deployment.packages", description="Offline packages.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write manifest.yaml for a directory of artifacts")
    b.add_argument("directory")
    b.add_argument("--kubernetes-version")
    b.add_argument("--arch", choices=["amd64", "arm64"])
    b.add_argument("--component", action="append", default=[], metavar="NAME=VERSION")
    b.add_argument("--description")
    b.add_argument("--input", help="YAML with kubernetesVersion, arch, components and per-path artifact names")
    b.add_argument("--tarball", help="also write a .tar or .tar.gz of the package (manifest first)")
    i = sub.add_parser("import", help="import a package directory or tarball into the repository")
    i.add_argument("source")
    i.add_argument("--replace", action="store_true", help="replace a ready package of the same version and arch")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            return build(args)
        settings = DeploymentSettings()  # type: ignore[call-arg]
        return asyncio.run(import_package(settings, str(Path(args.source).absolute()), args.replace))
    except (BuildError, ManifestError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
