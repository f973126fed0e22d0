"""Offline packages from the command line.

    python -m ko_deployment.packages build --versions <file or 1.36.0> --out <dir> [--arch amd64] \
        [--source-dir DIR ...] [--cache DIR] [--offline] [--proxy URL] [--insecure-registry HOST:PORT] [--tarball]
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
from ko_deployment.packages import service, versions
from ko_deployment.packages.assemble import assemble
from ko_deployment.packages.build import BuildError, write_manifest, write_tarball
from ko_deployment.packages.fetch import Fetcher
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


def _tarball(args: argparse.Namespace, root: Path) -> Path | None:
    if args.tarball is None:
        return None
    return Path(args.tarball) if args.tarball else root.with_name(root.name + ".tar.gz")


def build(args: argparse.Namespace) -> int:
    if args.versions:
        return build_from_versions(args)
    if not args.directory:
        raise BuildError("build: give the package directory, or --versions <file> --out <dir>")
    root = Path(args.directory)
    manifest = write_manifest(root, _spec(args))
    print(f"wrote {root / 'manifest.yaml'}: Kubernetes {manifest.kubernetes_version} {manifest.arch}, "
          f"{len(manifest.artifacts)} artifacts, {manifest.total_size} bytes")  # fmt: skip
    if (tarball := _tarball(args, root)) is not None:
        print(f"wrote {write_tarball(root, tarball)}")
    return 0


def build_from_versions(args: argparse.Namespace) -> int:
    misplaced = [f"--{n.replace('_', '-')}" for n in ("kubernetes_version", "component", "input", "description")
                 if getattr(args, n)] + (["<dir>"] if args.directory else [])  # fmt: skip
    if misplaced or not args.out:
        raise BuildError(
            f"build --versions takes --out <dir>{', not ' + ', '.join(misplaced) if misplaced else ''}: "
            "versions and sources come from the versions file"
        )
    path = versions.resolve_path(args.versions)
    source_dirs = [Path(d) for d in args.source_dir]
    plan = versions.plan(versions.load_versions(path), path.parent, args.arch, source_dirs)
    cache = Path(args.cache) if args.cache else Path.home() / ".cache" / "kubeoperator" / "packages"
    fetcher = Fetcher(
        cache,
        source_dirs=source_dirs,
        offline=args.offline,
        proxy=args.proxy,
        insecure_registries=args.insecure_registry,
    )
    out = Path(args.out)
    try:
        manifest = assemble(plan, out, fetcher)
    finally:
        fetcher.close()
    print(f"wrote {out}: Kubernetes {manifest.kubernetes_version} {manifest.arch}, "
          f"{len(manifest.artifacts)} artifacts, {manifest.total_size} bytes")  # fmt: skip
    if (tarball := _tarball(args, out)) is not None:
        print(f"wrote {write_tarball(out, tarball)}")
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
    b = sub.add_parser("build", help="fetch a package from a versions file, or write manifest.yaml for a directory")
    b.add_argument("directory", nargs="?", help="a directory of artifacts to write manifest.yaml for")
    b.add_argument("--versions", help="a versions file, or a Kubernetes version with a bundled one (1.36.0)")
    b.add_argument("--out", help="with --versions: the package directory to write (must not exist)")
    source_help = "with --versions: take the artifacts found here (by file name) instead of downloading"
    b.add_argument("--source-dir", action="append", default=[], metavar="DIR", help=source_help)
    b.add_argument("--cache", help="with --versions: download cache (default ~/.cache/kubeoperator/packages)")
    b.add_argument("--offline", action="store_true", help="with --versions: never use the network")
    b.add_argument("--proxy", help="with --versions: HTTP(S) proxy for downloads (default: HTTPS_PROXY etc.)")
    b.add_argument("--insecure-registry", action="append", default=[], metavar="HOST[:PORT]",
                   help="with --versions: a registry reached over plain HTTP or without TLS verification")  # fmt: skip
    b.add_argument("--kubernetes-version")
    b.add_argument("--arch", choices=["amd64", "arm64"])
    b.add_argument("--component", action="append", default=[], metavar="NAME=VERSION")
    b.add_argument("--description")
    b.add_argument("--input", help="YAML with kubernetesVersion, arch, components and per-path artifact names")
    tarball_help = "also write a .tar or .tar.gz of the package, manifest first (default <dir>.tar.gz)"
    b.add_argument("--tarball", nargs="?", const="", metavar="FILE", help=tarball_help)
    i = sub.add_parser("import", help="import a package directory or tarball into the repository")
    i.add_argument("source")
    i.add_argument("--replace", action="store_true", help="replace a ready package of the same version and arch")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            return build(args)
        settings = DeploymentSettings()  # type: ignore[call-arg]
        return asyncio.run(import_package(settings, str(Path(args.source).absolute()), args.replace))
    except versions.VersionsError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    except (BuildError, ManifestError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
