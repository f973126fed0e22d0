"""The versions file: what an offline package is built from (``kubeoperator.io/package-versions/v1``).

It names, per component, the version and where each artifact comes from (a URL template, a
``docker://`` image, a local file, or a local directory of OS packages), with the sha256 (per
architecture) every download must match. ``load_versions`` refuses a file with every problem at
once, each named by its key (``components.crictl.files[0].sha256``); ``plan`` renders the templates
for one architecture into the concrete list of artifacts the fetcher fetches. Nothing here touches
the network. The format is documented in docs/offline-package.md.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError, model_validator

from ko_deployment.packages.manifest import (
    Arch,
    KubernetesVersion,
    MinimumVersion,
    Token,
    check_relative_path,
    validation_problems,
)

API_VERSION = "kubeoperator.io/package-versions/v1"
BUNDLED = Path(__file__).with_name("versions")
PLACEHOLDERS = frozenset({"version", "kubernetes_version", "arch"})
FOLDERS = ("bin", "images", "charts", "debs", "rpms")
Folder = Literal["bin", "images", "charts", "debs", "rpms"]
_ARCHES = ("amd64", "arm64")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _per_arch_checker(prefix: str, hint: str) -> Any:
    """One value for every arch, or a mapping arch -> value; one error naming the arch when wrong."""

    def check(value: Any) -> str | dict[str, str] | None:
        if value is None:
            return None
        if isinstance(value, dict):
            unknown = sorted(str(k) for k in value if k not in _ARCHES)
            if unknown:
                raise ValueError(f"{unknown[0]} is not an architecture: use {' or '.join(_ARCHES)}")
            return {str(k): check_one(v, f"{k}: ") for k, v in value.items()}
        return check_one(value, "")

    def check_one(value: Any, where: str) -> str:
        text = str(value).lower()
        if (
            not isinstance(value, str)
            or not _SHA256.fullmatch(text.removeprefix(prefix))
            or not text.startswith(prefix)
        ):
            raise ValueError(f"{where}{value!r} must be {hint}")
        return text

    return PlainValidator(check)


PerArchSha256 = Annotated[
    str | dict[str, str] | None, _per_arch_checker("", "64 hexadecimal characters (the output of sha256sum)")
]
PerArchDigest = Annotated[
    str | dict[str, str] | None, _per_arch_checker("sha256:", "sha256: and 64 hexadecimal characters")
]
ComponentName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]


class VersionsError(ValueError):
    """A versions file that cannot be used; ``problems`` names each by its key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _check_template(value: str | None, extra: frozenset[str] = frozenset()) -> None:
    if value is None:
        return
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid template ({exc}); write literal braces as {{{{ }}}}") from exc
    unknown = names - PLACEHOLDERS - extra
    if unknown:
        allowed = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS | extra))
        raise ValueError(f"{value!r}: unknown placeholder {{{sorted(unknown)[0]}}}; use {allowed}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FileSource(_Strict):
    """One file of the package, downloaded from ``url`` or taken from ``file``."""

    path: str = Field(description="Where it goes in the package (template), e.g. bin/kubeadm.")
    url: str | None = Field(None, description="Upstream URL template (http, https).")
    file: str | None = Field(None, description="A local file instead (template; relative to the versions file).")
    sha256: PerArchSha256 = Field(
        None, description="sha256 of what is fetched (the archive when `extract` is set); one, or one per arch."
    )
    extract: str | None = Field(None, description="Take this member of a .tar/.tar.gz archive (template).")
    name: Token | None = Field(None, description="The manifest name; default the file name of `path`.")
    version: str | None = Field(None, description="This file's version (template); default the component's.")

    @model_validator(mode="after")
    def _templates(self) -> FileSource:
        for value in (self.path, self.url, self.file, self.extract, self.version):
            _check_template(value)
        if self.url is None and self.file is None:
            raise ValueError("give url (downloaded) or file (a local file), or both")
        if self.url is not None and not self.url.startswith(("http://", "https://")):
            raise ValueError(f"url {self.url!r} must start with http:// or https://")
        return self


class ImageSource(_Strict):
    """One container image, copied with skopeo into images/ as a docker-archive (ctr imports it by its name)."""

    name: Token = Field(description="The name nodes know it by, e.g. registry.k8s.io/kube-apiserver.")
    tag: str = Field("v{version}", description="Tag (template); the manifest version of the image.")
    source: str | None = Field(None, description="docker://... to copy from (template; {tag} too); default name:tag.")
    digest: PerArchDigest = Field(
        None, description="sha256:... of the source's manifest (the index for a multi-arch image)."
    )
    file: str | None = Field(None, description="A local image archive instead (template).")

    @model_validator(mode="after")
    def _templates(self) -> ImageSource:
        _check_template(self.tag)
        _check_template(self.file)
        _check_template(self.source, frozenset({"tag"}))
        if self.source is not None and not self.source.startswith("docker://"):
            raise ValueError(f"source {self.source!r} must be docker://<registry>/<name>:<tag>")
        if ":" in self.name.rsplit("/", 1)[-1] or "@" in self.name:
            raise ValueError(f"name {self.name!r} must be a repository without tag or digest (the tag goes in tag)")
        return self


class Component(_Strict):
    version: str | None = Field(None, description="Upstream version; for `packages`, read from the .deb/.rpm if unset.")
    files: list[FileSource] = Field(default_factory=list)
    images: list[ImageSource] = Field(default_factory=list)
    packages: list[Token] = Field(
        default_factory=list, description="OS packages (.deb/.rpm names) carrying it, from `directories`."
    )
    optional: bool = Field(False, description="Leave the component out when its packages are absent.")

    @model_validator(mode="after")
    def _something(self) -> Component:
        _check_template(self.version)
        if self.version is None and not self.packages:
            raise ValueError("version is missing (only a component with packages may read it from them)")
        return self


class Directory(_Strict):
    source: str = Field(alias="from", description="A local directory (relative: to each --source-dir, then here).")
    into: Folder
    pattern: str = Field("*", description="Which files of it (glob), e.g. *.deb.")
    required: bool = Field(True, description="Refuse the build when the directory is missing or has no match.")


class VersionsFile(_Strict):
    api_version: Literal["kubeoperator.io/package-versions/v1"] = Field(alias="apiVersion")
    kubernetes_version: KubernetesVersion = Field(alias="kubernetesVersion")
    arch: Arch | None = None
    description: str = Field("", max_length=1024)
    components: dict[ComponentName, Component] = Field(min_length=1)
    requires: dict[ComponentName, MinimumVersion] = Field(
        default_factory=dict,
        description="Copied into the manifest: component -> the oldest version this Kubernetes works with "
        "(etcd: kubeadm's MinExternalEtcdVersion); the build is refused when a component is older.",
    )
    directories: list[Directory] = Field(default_factory=list)

    @model_validator(mode="after")
    def _required_components_exist(self) -> VersionsFile:
        unknown = sorted(set(self.requires) - set(self.components))
        if unknown:
            raise ValueError(f"requires.{unknown[0]}: no component {unknown[0]} under components")
        return self


@dataclass(frozen=True)
class PlannedFile:
    where: str  # its key in the versions file, for messages
    path: str
    url: str | None
    local: Path | None
    sha256: str | None
    extract: str | None
    name: str
    version: str


@dataclass(frozen=True)
class PlannedImage:
    where: str
    path: str
    name: str
    tag: str
    source: str
    digest: str | None
    local: Path | None


@dataclass(frozen=True)
class PlannedDirectory:
    where: str
    candidates: tuple[Path, ...]
    into: str
    pattern: str
    required: bool


@dataclass
class Plan:
    kubernetes_version: str
    arch: str
    description: str
    components: dict[str, str]  # known versions; package components are added once their files are read
    package_components: dict[str, tuple[str | None, list[str], bool, str]]  # name -> version, packages, optional, where
    requires: dict[str, str] = field(default_factory=dict)
    files: list[PlannedFile] = field(default_factory=list)
    images: list[PlannedImage] = field(default_factory=list)
    directories: list[PlannedDirectory] = field(default_factory=list)


def resolve_path(text: str) -> Path:
    """``text`` as a path, or the bundled versions file of that Kubernetes version (``1.36.0``)."""
    path = Path(text)
    if path.exists() or "/" in text:
        return path
    bundled = BUNDLED / f"{text.removeprefix('v')}.yaml"
    if bundled.exists():
        return bundled
    known = ", ".join(sorted(p.stem for p in BUNDLED.glob("*.yaml"))) or "none"
    raise VersionsError([f"--versions {text}: no such file, nor a bundled versions file (bundled: {known})"])


def load_versions(path: Path) -> VersionsFile:
    try:
        data: Any = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise VersionsError([f"{path}: cannot be read as YAML: {exc}"]) from exc
    if not isinstance(data, dict) or data.get("apiVersion") != API_VERSION:
        got = data.get("apiVersion") if isinstance(data, dict) else None
        raise VersionsError([f"{path}: apiVersion must be {API_VERSION} (got {got!r})"])
    try:
        return VersionsFile.model_validate(data)
    except ValidationError as exc:
        raise VersionsError(validation_problems(exc, f"{path.name}: ", "versions file")) from exc


def _per_arch(value: str | dict[str, str] | None, arch: str) -> str | None:
    return value.get(arch) if isinstance(value, dict) else value


def _package_path(text: str, where: str, problems: list[str]) -> str:
    try:
        check_relative_path(text)
    except ValueError as exc:
        problems.append(f"{where}.path: {exc}")
        return text
    if text.split("/", 1)[0] not in FOLDERS or "/" not in text:
        problems.append(f"{where}.path: {text!r} must be under one of {', '.join(f + '/' for f in FOLDERS)}")
    return text


def plan(versions: VersionsFile, base: Path, arch: str | None, source_dirs: list[Path]) -> Plan:
    """The artifacts to fetch for ``arch`` (default the file's); VersionsError naming every problem."""
    chosen = arch or versions.arch
    if chosen is None:
        raise VersionsError(["arch: the versions file names none: pass --arch amd64 or --arch arm64"])
    k8s = versions.kubernetes_version
    out = Plan(k8s, chosen, "", {}, {}, dict(versions.requires))
    problems: list[str] = []
    common = {"kubernetes_version": k8s, "arch": chosen}
    out.description = versions.description.format(version=k8s, **common)
    for cname, comp in versions.components.items():
        where = f"components.{cname}"
        cversion = comp.version.format(version="", **common) if comp.version else None
        if comp.packages:
            out.package_components[cname] = (cversion, list(comp.packages), comp.optional, where)
        elif cversion:
            out.components[cname] = cversion
        values = {**common, "version": cversion or ""}
        for i, f in enumerate(comp.files):
            fwhere = f"{where}.files[{i}]"
            fversion = f.version.format(**values) if f.version else cversion
            fvalues = {**values, "version": fversion or ""}
            path = _package_path(f.path.format(**fvalues), fwhere, problems)
            local = (base / f.file.format(**fvalues)) if f.file else None
            out.files.append(
                PlannedFile(
                    where=fwhere,
                    path=path,
                    url=f.url.format(**fvalues) if f.url else None,
                    local=local,
                    sha256=_per_arch(f.sha256, chosen),
                    extract=f.extract.format(**fvalues) if f.extract else None,
                    name=f.name or path.rsplit("/", 1)[-1],
                    version=fversion or k8s,
                )
            )
        for i, img in enumerate(comp.images):
            iwhere = f"{where}.images[{i}]"
            tag = img.tag.format(**values)
            source = (img.source or "docker://{name}:{tag}").replace("{name}", img.name).format(tag=tag, **values)
            path = _package_path(f"images/{img.name.rsplit('/', 1)[-1]}_{tag}.tar", iwhere, problems)
            local = (base / img.file.format(**values)) if img.file else None
            out.images.append(PlannedImage(iwhere, path, img.name, tag, source, _per_arch(img.digest, chosen), local))
    for i, d in enumerate(versions.directories):
        rel = Path(d.source)
        candidates = (rel,) if rel.is_absolute() else (*(s / rel for s in source_dirs), base / rel)
        out.directories.append(PlannedDirectory(f"directories[{i}]", candidates, d.into, d.pattern, d.required))
    seen: dict[str, str] = {}
    items: list[PlannedFile | PlannedImage] = [*out.files, *out.images]
    for item in items:
        if item.path in seen:
            problems.append(f"{item.where}.path: {item.path} is also {seen[item.path]}")
        seen[item.path] = item.where
    if problems:
        raise VersionsError(problems)
    return out
