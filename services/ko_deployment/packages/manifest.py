"""The offline package manifest (``manifest.yaml`` at the package root), format ``kubeoperator.io/package/v1``.

It is the one registry of versions and checksums: the import verifies every artifact against it,
the playbooks read component versions and paths from it, and nodes verify checksums with it.
Its optional ``requires`` (the oldest of a component its Kubernetes works with, e.g. kubeadm's
minimum external etcd) is checked against ``components`` here and against plans by clusters/validation.py.
The format is documented in docs/offline-package.md; a change that old readers would
misunderstand is a new apiVersion, never an edit of v1. A new artifact kind is not such a change:
``kind`` is a closed list, so a reader that does not know a kind refuses the whole manifest at import,
naming ``artifacts[i].kind``, and never misreads it (the playbooks select artifacts by kind and skip
any other). ``terraform-provider`` was added that way: packages without one read everywhere as before.

A ``terraform-provider`` sits exactly where Terraform's filesystem mirror (``terraform init
-plugin-dir``, unpacked layout) expects it, under ``terraform-providers/``: the package's
``terraform-providers/`` directory is itself a mirror, and the provisioning service copies it as is.
It runs on the KubeOperator server, not on the nodes, so its ``arch`` is its platform's, whatever the
package's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from ko_deployment.packages.requirements import meets

API_VERSION = "kubeoperator.io/package/v1"
MANIFEST_NAME = "manifest.yaml"
Arch = Literal["amd64", "arm64"]
ArtifactKind = Literal["binary", "image", "chart", "deb", "rpm", "terraform-provider"]
# Where the indexes expect each kind: apt and yum read one flat directory, Helm one chart directory.
KIND_DIRS: dict[str, str] = {"deb": "debs", "rpm": "rpms", "chart": "charts"}
# Terraform providers: a filesystem mirror, checked by provider_path (not one flat directory).
PROVIDERS_DIR = "terraform-providers"
PROVIDER_LAYOUT = (
    f"{PROVIDERS_DIR}/<hostname>/<namespace>/<type>/<version>/<os>_<arch>/terraform-provider-<type>_v<version>[_x<N>]"
    f" (Terraform's filesystem-mirror layout, e.g. {PROVIDERS_DIR}/registry.terraform.io/hashicorp/vsphere/2.0.2/"
    "linux_amd64/terraform-provider-vsphere_v2.0.2_x5)"
)
KIND_SUFFIXES: dict[str, tuple[str, ...]] = {"deb": (".deb",), "rpm": (".rpm",), "chart": (".tgz",)}
# What the import writes next to the artifacts (the apt, Helm and yum indexes): never an artifact.
GENERATED_FILES = frozenset({"debs/Packages", "debs/Packages.gz", "debs/Release", "charts/index.yaml"})
GENERATED_DIRS = ("rpms/repodata/",)


def is_generated(path: str) -> bool:
    return path in GENERATED_FILES or path.startswith(GENERATED_DIRS)


_VERSION = re.compile(r"\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]{1,40})?")
_COMPONENT = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_SEGMENT = re.compile(r"[A-Za-z0-9_~+%:@=,-][A-Za-z0-9._~+%:@=,-]*")
_TOKEN = re.compile(r"[^\s\x00-\x1f\x7f]{1,255}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MINIMUM = re.compile(r"\d+\.\d+\.\d+")


_HOSTNAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+")
_PROVIDER_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
_PROVIDER_VERSION = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]{1,40})?")
# KubeOperator runs on Linux, amd64 or arm64: a provider for another platform could never be run.
_PLATFORMS = {"linux_amd64": "amd64", "linux_arm64": "arm64"}


@dataclass(frozen=True)
class ProviderPath:
    """A terraform-provider artifact's path, read: which provider, version and platform it is."""

    hostname: str
    namespace: str
    type: str
    version: str
    platform: str
    file: str

    @property
    def source(self) -> str:
        return f"{self.hostname}/{self.namespace}/{self.type}"

    @property
    def arch(self) -> str:
        return _PLATFORMS[self.platform]


def provider_path(value: str) -> ProviderPath:
    """The provider ``value`` (a package path) holds, or ValueError naming what differs from PROVIDER_LAYOUT."""
    parts = value.split("/")
    if len(parts) != 7 or parts[0] != PROVIDERS_DIR:
        raise ValueError(f"{value!r} must be {PROVIDER_LAYOUT}")
    _, hostname, namespace, type_, version, platform, file = parts
    problems = []
    if not _HOSTNAME.fullmatch(hostname):
        problems.append(f"hostname {hostname!r} is not a lower-case DNS name such as registry.terraform.io")
    for what, got in (("namespace", namespace), ("type", type_)):
        if not _PROVIDER_NAME.fullmatch(got):
            problems.append(f"{what} {got!r} must be lower-case letters, digits and - (as Terraform writes it)")
    if not _PROVIDER_VERSION.fullmatch(version):
        problems.append(f"version {version!r} must be a version such as 2.0.2 (no leading v)")
    if platform not in _PLATFORMS:
        problems.append(f"platform {platform!r} must be {' or '.join(_PLATFORMS)} (where KubeOperator runs)")
    if not problems and not re.fullmatch(
        rf"terraform-provider-{re.escape(type_)}_v{re.escape(version)}(?:_x\d+)?", file
    ):
        problems.append(f"file {file!r} must be terraform-provider-{type_}_v{version}, optionally with _x<N>")
    if problems:
        raise ValueError(f"{value!r} must be {PROVIDER_LAYOUT}: " + "; ".join(problems))
    return ProviderPath(hostname, namespace, type_, version, platform, file)


def _kubernetes_version(value: str) -> str:
    if not _VERSION.fullmatch(value):
        raise ValueError("must be a Kubernetes version such as 1.36.0 (no leading v)")
    return value


def _minimum(value: str) -> str:
    if not _MINIMUM.fullmatch(value):
        raise ValueError("must be a version such as 3.5.24 (three numbers, no leading v or suffix)")
    return value


def _token(value: str) -> str:
    if not _TOKEN.fullmatch(value):
        raise ValueError("must be 1 to 255 characters without spaces or control characters")
    return value


def _sha256(value: str) -> str:
    value = value.lower()
    if not _SHA256.fullmatch(value):
        raise ValueError("must be 64 hexadecimal characters (the output of sha256sum)")
    return value


def check_relative_path(value: str) -> str:
    """A path inside the package: relative, no `..`, no hidden or empty segment, URL-safe characters."""
    if not value or len(value) > 512:
        raise ValueError("must be 1 to 512 characters")
    if value.startswith("/") or "\\" in value:
        raise ValueError(f"{value!r} must be relative to the package root, with / between directories")
    parts = value.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"{value!r} must not contain '..', '.' or empty segments: name the file inside the package")
    for part in parts:
        if not _SEGMENT.fullmatch(part):
            raise ValueError(
                f"{value!r}: segment {part!r} may hold letters, digits and . _ ~ + % : @ = , - "
                "and must not start with a dot"
            )
    return value


KubernetesVersion = Annotated[str, AfterValidator(_kubernetes_version)]
Token = Annotated[str, AfterValidator(_token)]
Sha256 = Annotated[str, AfterValidator(_sha256)]
RelativePath = Annotated[str, AfterValidator(check_relative_path)]
MinimumVersion = Annotated[str, AfterValidator(_minimum)]
ComponentName = Annotated[str, Field(pattern=_COMPONENT.pattern)]


class Artifact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ArtifactKind
    name: Token = Field(description="Package, binary, image or chart name, e.g. containerd or kubeadm.")
    version: Token
    arch: Arch | Literal["all"] = Field(description="The package's architecture, or `all` (arch-independent).")
    path: RelativePath = Field(description="Where the file is, relative to the package root.")
    sha256: Sha256
    size: int = Field(ge=0, description="Size in bytes.")

    @field_validator("path")
    @classmethod
    def _provider_layout(cls, value: str, info: ValidationInfo) -> str:
        # Here rather than below so that the refusal is placed at the path (artifacts[i].path).
        kind = info.data.get("kind")
        if kind == "terraform-provider":
            provider_path(value)
        elif kind is not None and value.startswith(PROVIDERS_DIR + "/"):
            raise ValueError(f"{PROVIDERS_DIR}/ holds only terraform-provider artifacts (this is a {kind})")
        return value

    @model_validator(mode="after")
    def _where_the_index_expects_it(self) -> Artifact:
        if is_generated(self.path):
            raise ValueError(
                f"{self.path!r} is written by the import (a repository index): leave it out of the manifest"
            )
        folder = KIND_DIRS.get(self.kind)
        if folder is not None:
            p = PurePosixPath(self.path)
            if len(p.parts) != 2 or p.parts[0] != folder or not p.name.endswith(KIND_SUFFIXES[self.kind]):
                suffix = KIND_SUFFIXES[self.kind][0]
                raise ValueError(f"a {self.kind} must be a {suffix} file directly in {folder}/ (got {self.path!r})")
        if self.kind == "terraform-provider":
            self._names_its_path(provider_path(self.path))
        return self

    def _names_its_path(self, provider: ProviderPath) -> None:
        """The path says which provider this is; name, version and arch must say the same (one fact)."""
        said = {"name": provider.source, "version": provider.version, "arch": provider.arch}
        wrong = [f"{k} is {getattr(self, k)!r}, its path says {v!r}" for k, v in said.items() if getattr(self, k) != v]
        if wrong:
            raise ValueError(f"a terraform-provider's name, version and arch are those of its path: {'; '.join(wrong)}")

    def label(self) -> str:
        return f"{self.kind} {self.name} {self.version} ({self.path})"

    @property
    def provider(self) -> ProviderPath | None:
        return provider_path(self.path) if self.kind == "terraform-provider" else None


class Manifest(BaseModel):
    """What ``manifest.yaml`` holds; field names as in the file."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    api_version: Literal["kubeoperator.io/package/v1"] = Field(alias="apiVersion")
    kubernetes_version: KubernetesVersion = Field(alias="kubernetesVersion")
    arch: Arch
    description: str = Field("", max_length=1024)
    components: dict[ComponentName, Token] = Field(
        default_factory=dict,
        description="Component name → version (containerd, runc, etcd, cni-plugins, crictl, coredns, pause, "
        "flannel, calico, metrics-server, traefik, helm, ...). The playbooks take versions only from here.",
    )
    requires: dict[ComponentName, MinimumVersion] = Field(
        default_factory=dict,
        description="Component name → the oldest version of it this package's Kubernetes works with, e.g. "
        "etcd: 3.5.24 (kubeadm's minimum external etcd). Optional: without it KubeOperator uses its own table "
        "by Kubernetes minor. Omitted from the file when empty, so manifests without it read as before.",
    )
    artifacts: list[Artifact] = Field(min_length=1, max_length=100_000)

    @model_validator(mode="after")
    def _consistent(self) -> Manifest:
        for name, minimum in self.requires.items():
            have = self.components.get(name)
            if have is None:
                raise ValueError(f"requires.{name}: the package has no component {name} (components.{name})")
            if not meets(have, minimum):
                raise ValueError(
                    f"requires.{name}: {minimum}, but components.{name} is {have}: "
                    f"put {name} {minimum} or newer into the package"
                )
        seen: dict[str, int] = {}
        providers: dict[tuple[str, str, str], int] = {}
        for i, artifact in enumerate(self.artifacts):
            if artifact.path == MANIFEST_NAME:
                raise ValueError(f"artifacts[{i}].path: {MANIFEST_NAME} is the manifest itself, not an artifact")
            if artifact.path in seen:
                raise ValueError(f"artifacts[{i}].path: {artifact.path!r} is also artifacts[{seen[artifact.path]}]")
            seen[artifact.path] = i
            if (provider := artifact.provider) is not None:
                # Terraform finds one executable per provider, version and platform in a mirror.
                key = (provider.source, provider.version, provider.platform)
                if key in providers:
                    raise ValueError(
                        f"artifacts[{i}].path: another build of {' '.join(key)} is artifacts[{providers[key]}]: "
                        "keep one"
                    )
                providers[key] = i
                continue  # runs on the KubeOperator server: its arch is its platform's, not the nodes'
            if artifact.arch not in (self.arch, "all"):
                raise ValueError(
                    f"artifacts[{i}].arch: {artifact.arch} in a package for {self.arch}: "
                    f"use {self.arch} or all, or build a package per architecture"
                )
        return self

    # Readers older than `requires` refuse the key: a package that states nothing leaves it out.
    # No return annotation: pydantic would take it for the serialized schema (OpenAPI) instead of the model's.
    @model_serializer(mode="wrap")
    def _without_empty_requires(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        data = handler(self)
        if not self.requires and isinstance(data, dict):
            data.pop("requires", None)
        return data

    @property
    def directory_name(self) -> str:
        return f"{self.kubernetes_version}-{self.arch}"

    @property
    def total_size(self) -> int:
        return sum(a.size for a in self.artifacts)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(by_alias=True, mode="json"), sort_keys=False, allow_unicode=True)


class ManifestError(ValueError):
    """A manifest that cannot be read or is invalid; the message names each problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:20]) + (f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""))
        self.problems = problems


def _loc(loc: tuple[int | str, ...], whole: str = "manifest") -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or whole


def validation_problems(exc: ValidationError, prefix: str = "", whole: str = "manifest") -> list[str]:
    """Each of pydantic's errors as ``<prefix><place>: <message>``, the place as the file spells it."""
    problems = []
    for err in exc.errors():
        msg = str(err.get("msg", "is invalid")).removeprefix("Value error, ")
        problems.append(f"{prefix}{_loc(tuple(err.get('loc', ())), whole)}: {msg}")
    return problems


def parse_manifest(text: str | bytes) -> Manifest:
    """The manifest in ``text`` (YAML), or ManifestError naming every problem by its place in the file."""
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ManifestError([f"{MANIFEST_NAME} is not valid YAML: {exc}"]) from exc
    if not isinstance(data, dict):
        raise ManifestError([f"{MANIFEST_NAME} must be a mapping with apiVersion: {API_VERSION}"])
    if data.get("apiVersion") != API_VERSION:
        raise ManifestError(
            [f"apiVersion: {data.get('apiVersion')!r} is not supported; this KubeOperator reads {API_VERSION}"]
        )
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(validation_problems(exc)) from exc
