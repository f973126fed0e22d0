"""A package from a versions file: fetch every artifact, then write the manifest with build.py.

Every problem that can be seen before fetching (an unpinned download, a missing local file, a
missing directory) is reported at once, before anything is downloaded. The package is assembled in
a hidden directory beside ``out`` and renamed into place only when complete, so ``out`` is either a
whole package or absent. The manifest is written by the same ``write_manifest`` as the
``build <dir>`` form: a package fetched from upstream and the test package made from local
directories differ only in their inputs. Components carried by OS packages (containerd, runc,
etcd, ...) take their version from the .deb/.rpm (or check it against the versions file), because
the playbooks install ``<name>=<version>*``. The versions file's ``requires`` goes into the manifest,
which refuses a component older than it (an etcd kubeadm would refuse): the build fails, not the deploy.
containerd may come either as OS packages or as upstream's release archive (a binary artifact named
``containerd``, which the containerd role unpacks): such an archive is opened at build time and refused
unless it holds what the nodes take from it (ARCHIVE_MEMBERS).
"""

from __future__ import annotations

import re
import shutil
import tarfile
from pathlib import Path

from ko_deployment.packages import indexes, rpm_header
from ko_deployment.packages.build import BuildError, write_manifest
from ko_deployment.packages.fetch import Fetcher, link_or_copy
from ko_deployment.packages.manifest import Manifest
from ko_deployment.packages.versions import Plan, PlannedDirectory, VersionsError

# What the nodes take from an archive carried as a binary artifact of that name (the containerd role).
ARCHIVE_MEMBERS = {"containerd": ("bin/containerd", "bin/containerd-shim-runc-v2", "bin/ctr")}


def _check_archive(path: Path, name: str, where: str) -> None:
    """``path`` is a tar archive holding every member the nodes take from artifact ``name``."""
    wanted = ARCHIVE_MEMBERS.get(name)
    if wanted is None:
        return
    try:
        with tarfile.open(path) as tar:
            held = {m.name for m in tar.getmembers() if m.isfile()}
    except (tarfile.TarError, OSError) as exc:
        raise BuildError(f"{where}: {path.name} is not a readable tar archive ({exc}): it must be upstream's "
                         f"{name} release archive") from exc  # fmt: skip
    missing = [m for m in wanted if m not in held]
    if missing:
        raise BuildError(
            f"{where}: {path.name} holds no {', '.join(missing)}: the nodes install {name} from "
            f"{', '.join(wanted)} of upstream's release archive (containerd-<version>-linux-<arch>.tar.gz)"
        )


def upstream_version(os_version: str) -> str:
    """The upstream part of a .deb/.rpm version: 1:2.2.7-1+b2 -> 2.2.7; 1.6.20~ds1-1 -> 1.6.20."""
    match = re.match(r"(?:\d+:)?(\d+(?:\.\d+)*)", os_version)
    return match.group(1) if match else os_version


def _directory_files(item: PlannedDirectory) -> list[Path] | str:
    """The files ``item`` takes, or the sentence saying why it cannot."""
    found = next((c for c in item.candidates if c.is_dir()), None)
    if found is None:
        if not item.required:
            return []
        return f"{item.where}.from: no directory {' nor '.join(str(c) for c in item.candidates)}"
    files = sorted(p for p in found.glob(item.pattern) if p.is_file())
    if not files and item.required:
        return f"{item.where}: {found} has no file matching {item.pattern}"
    return files


def _os_packages(work: Path) -> dict[str, list[tuple[str, str]]]:
    """Package name -> [(version, path)] of the .debs and .rpms in the work directory."""
    found: dict[str, list[tuple[str, str]]] = {}
    for deb in sorted((work / "debs").glob("*.deb")):
        fields = dict(
            line.split(":", 1) for line in indexes.deb_control(deb).splitlines() if line[:1].strip() and ":" in line
        )
        found.setdefault(fields["Package"].strip(), []).append((fields["Version"].strip(), f"debs/{deb.name}"))
    for rpm_path in sorted((work / "rpms").glob("*.rpm")):
        rpm = rpm_header.read_rpm(rpm_path)
        found.setdefault(rpm.name, []).append((rpm.evr, f"rpms/{rpm_path.name}"))
    return found


def _package_components(plan: Plan, work: Path) -> dict[str, str]:
    try:
        available = _os_packages(work)
    except indexes.IndexProblem as exc:
        raise BuildError(str(exc)) from exc
    components: dict[str, str] = {}
    problems: list[str] = []
    for name, (version, packages, optional, where) in plan.package_components.items():
        carried = [(v, path) for p in packages for v, path in available.get(p, [])]
        if not carried:
            if not optional:
                problems.append(
                    f"{where}.packages: no .deb or .rpm named {' or '.join(packages)} in the package: "
                    "add it to a directory of `directories:` (apt-get install --download-only, dnf download --resolve)"
                )
            continue
        for os_version, path in carried:
            if version and not os_version.split(":", 1)[-1].startswith(version):
                problems.append(f"{where}.version: {version}, but {path} is version {os_version}")
        components[name] = version or upstream_version(carried[0][0])
    if problems:
        raise VersionsError(problems)
    return components


def assemble(plan: Plan, out: Path, fetcher: Fetcher) -> Manifest:
    """Fetch every artifact of ``plan`` and write the package directory ``out``."""
    if out.exists():
        raise BuildError(f"--out {out} exists: remove it or choose another directory")
    problems = [p for p in (fetcher.preflight(f) for f in plan.files) if p]
    problems += [p for p in (fetcher.preflight_image(i, plan.arch) for i in plan.images) if p]
    chosen: dict[str, list[Path]] = {}
    for d in plan.directories:
        files = _directory_files(d)
        if isinstance(files, str):
            problems.append(files)
        else:
            chosen[d.where] = files
    if problems:
        raise VersionsError(problems)
    work = out.with_name(f".{out.name}.partial")
    shutil.rmtree(work, ignore_errors=True)
    try:
        overrides: dict[str, dict[str, str]] = {}
        for f in plan.files:
            fetcher.fetch_file(f, work / f.path)
            if f.extract is None:
                _check_archive(work / f.path, f.name, f.where)
            if f.path.startswith("bin/"):
                overrides[f.path] = {"name": f.name, "version": f.version}
        for image in plan.images:
            digest = fetcher.fetch_image(image, work / image.path, plan.arch)
            fetcher.say(f"{image.path}: {image.name}:{image.tag}" + (f" ({digest})" if digest else ""))
            overrides[image.path] = {"name": image.name, "version": image.tag}
        for d in plan.directories:
            for path in chosen[d.where]:
                target = work / d.into / path.name
                if target.exists():
                    raise BuildError(f"{d.where}: {d.into}/{path.name} is already in the package (another source)")
                link_or_copy(path, target)
        components = {**plan.components, **_package_components(plan, work)}
        spec = {
            "kubernetesVersion": plan.kubernetes_version,
            "arch": plan.arch,
            "description": plan.description,
            "components": components,
            "requires": plan.requires,
            "artifacts": overrides,
        }
        manifest = write_manifest(work, spec)
        work.rename(out)
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)
