"""The Day-0 cluster spec (what the wizard sends), cluster output, and event payloads.

A plan the schema refuses reaches the endpoint as `Unchecked` (see `ClusterCreateBody`) rather
than as FastAPI's early 422, so the answer can carry the schema's problems and the checks against
the world (versions, hosts, VIP) together.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
)
from pydantic_core import ErrorDetails

from ko_deployment.clusters.models import Cluster

_NAME = re.compile(r"[a-z]([-a-z0-9]{0,38}[a-z0-9])?")
ClusterStatus = Literal["waiting", "deploying", "running", "failed", "upgrading", "scaling", "terminating", "lost"]


def _check_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError("use 1 to 40 lower-case letters, digits or '-', starting with a letter, e.g. prod-1")
    return value


def _check_cidr(value: str) -> str:
    try:
        net = ipaddress.ip_network(value.strip(), strict=True)
    except ValueError:
        try:
            hint = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            raise ValueError("must be an IPv4 network in CIDR form, e.g. 10.244.0.0/16") from None
        raise ValueError(f"has host bits set: did you mean {hint}?") from None
    if net.version != 4:
        raise ValueError("must be an IPv4 network (IPv6 and dual stack are not supported yet)")
    if net.prefixlen > 24:
        raise ValueError("is too small: give at least a /24")
    return str(net)


def _check_ip(value: str) -> str:
    try:
        return str(ipaddress.IPv4Address(value.strip()))
    except ValueError:
        raise ValueError("must be an IPv4 address, e.g. 192.168.10.100") from None


def _check_mirror(value: str) -> str:
    url = value.strip()
    hint = "e.g. https://harbor.example.com or http://10.0.0.9:5000"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise ValueError(f"must be an http:// or https:// URL, {hint}")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must carry no user or password: give the registry's URL only")
    if parts.query or parts.fragment:
        raise ValueError(f"must have no ?query or #fragment, {hint}")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise ValueError(f"has a port outside 1-65535, {hint}")
    return url


_PREFLIGHT_CHECK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")


def _check_preflight(value: str) -> str:
    if not _PREFLIGHT_CHECK.fullmatch(value):
        raise ValueError(
            "a kubeadm preflight check name is letters, digits, '.' and '-', starting with a letter or digit, "
            "e.g. SystemVerification or FileAvailable--etc-kubernetes-pki-ca.crt"
        )
    return value


def _distinct_checks(values: list[str]) -> list[str]:
    # kubeadm compares check names in lower case: keep the first spelling of each.
    first: dict[str, str] = {}
    for value in values:
        first.setdefault(value.lower(), value)
    if "all" in first and len(first) > 1:
        raise ValueError("all ignores every check: give it alone, or name the checks without it")
    return list(first.values())


Name = Annotated[str, AfterValidator(_check_name)]
Cidr = Annotated[str, AfterValidator(_check_cidr)]
IPv4 = Annotated[str, AfterValidator(_check_ip)]
IdRef = Annotated[str, Field(min_length=1, max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NodeIn(Strict):
    host_id: IdRef = Field(description="An inventory host of the cluster's project, ready and in no cluster.")
    role: Literal["master", "worker"]


class NetworkSpec(Strict):
    plugin: Literal["flannel", "calico", "none"] = Field(
        "flannel",
        description="CNI plugin from the offline package; none: the site brings its own CNI (the network phase "
        "skips, and the nodes stay NotReady until the site applies one).",
    )
    pod_cidr: Cidr = "10.244.0.0/16"
    service_cidr: Cidr = "10.96.0.0/12"
    proxy_mode: Literal["iptables", "ipvs"] = "iptables"
    dns_domain: str = Field("cluster.local", pattern=r"^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$")


class LoadBalancerSpec(Strict):
    mode: Literal["internal", "external"] = Field(
        "internal",
        description="internal: a local haproxy on every node in front of the API servers; external: haproxy "
        "and keepalived on the masters holding a virtual IP (vip).",
    )
    vip: IPv4 | None = Field(
        None, description="The virtual IP (external mode): in the masters' subnet, unused.", validate_default=True
    )
    port: int = Field(8443, ge=1024, le=65535, description="Port of the load balancer in front of the API servers.")

    # Field validators (validate_default) rather than a model validator: the error then names
    # `load_balancer.vip`, so the console puts it on the VIP input.
    @field_validator("vip", mode="after")
    @classmethod
    def _vip(cls, vip: str | None, info: ValidationInfo) -> str | None:
        mode = info.data.get("mode")
        if mode == "external" and not vip:
            raise ValueError("required with mode external: give an unused address in the masters' subnet")
        if mode == "internal" and vip:
            raise ValueError("only used with mode external: leave it empty, or choose mode external")
        address = ipaddress.IPv4Address(vip) if vip else None
        if address and (address.is_unspecified or address.is_loopback or address.is_multicast
                        or address.is_link_local or address.is_reserved):  # fmt: skip
            raise ValueError(f"{vip} cannot be a host's address: choose an unused address in the masters' subnet")
        return vip


class IngressSpec(Strict):
    enabled: bool = True
    controller: Literal["traefik"] = "traefik"


class StorageSpec(Strict):
    provisioner: Literal["none", "nfs", "rook-ceph", "vsphere-csi", "cinder-csi"] = "none"
    nfs_server: str | None = Field(None, max_length=255, validate_default=True)
    nfs_path: str | None = Field(None, max_length=1024, validate_default=True)

    @field_validator("nfs_server", "nfs_path", mode="after")
    @classmethod
    def _nfs(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("provisioner") == "nfs" and not value:
            raise ValueError("required for the nfs provisioner, e.g. 10.1.0.5 and /exports/k8s")
        return value


class F5Spec(Strict):
    enabled: bool = False
    url: str | None = Field(
        None, max_length=255, description="BIG-IP management URL, e.g. https://10.0.0.5", validate_default=True
    )
    partition: str = Field("Common", max_length=64)

    @field_validator("url", mode="after")
    @classmethod
    def _url(cls, url: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("enabled") and not (url and url.startswith("https://")):
            raise ValueError("required when F5 is enabled: the https:// URL of the BIG-IP")
        return url


class AddonsSpec(Strict):
    metrics_server: bool = True
    helm: bool = True
    coredns: bool = Field(
        True,
        description="CoreDNS, the cluster DNS (the coredns phase). false leaves it out: cluster DNS is then the "
        "site's job (pods resolve no Service name until the site runs a DNS at the cluster DNS address).",
    )


class RuntimeSpec(Strict):
    name: Literal["containerd"] = "containerd"
    registry_mirrors: list[Annotated[str, Field(max_length=255), AfterValidator(_check_mirror)]] = Field(
        default_factory=list,
        max_length=10,
        description="Registries the nodes pull through, as http(s) URLs, e.g. https://harbor.example.com.",
    )


class ControlPlaneArgs(Strict):
    apiserver: dict[str, str] = Field(default_factory=dict, max_length=100)
    controller_manager: dict[str, str] = Field(default_factory=dict, max_length=100)
    scheduler: dict[str, str] = Field(default_factory=dict, max_length=100)


class AdvancedSpec(Strict):
    """Extra settings for sites whose hosts need them, merged into what KubeOperator renders.

    Names the product sets itself (cluster DNS, certificates, ...) are refused with the spec field
    that sets them; unknown names are refused per Kubernetes minor; values are checked against the
    component's types and ranges.
    """

    kubelet_config: dict[str, Any] = Field(
        default_factory=dict,
        max_length=100,
        description='KubeletConfiguration (kubelet.config.k8s.io/v1beta1) fields, e.g. {"maxPods": 200}.',
    )
    kube_proxy_config: dict[str, Any] = Field(
        default_factory=dict,
        max_length=100,
        description="KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1) fields, e.g. "
        '{"conntrack": {"maxPerCore": 0}}.',
    )
    containerd_config: dict[str, Any] = Field(
        default_factory=dict,
        max_length=100,
        description="Tables deep-merged into /etc/containerd/config.toml, e.g. "
        '{"plugins": {"io.containerd.cri.v1.runtime": {"enable_unprivileged_ports": true}}}.',
    )
    control_plane_args: ControlPlaneArgs = Field(
        default_factory=ControlPlaneArgs,
        description="Extra flags (names without the leading --, string values) of kube-apiserver, "
        "kube-controller-manager and kube-scheduler.",
    )
    kubeadm_ignore_preflight_errors: Annotated[
        list[
            Annotated[
                str,
                Field(max_length=128, json_schema_extra={"pattern": _PREFLIGHT_CHECK.pattern}),
                AfterValidator(_check_preflight),
            ]
        ],
        AfterValidator(_distinct_checks),
    ] = Field(
        default_factory=list,
        max_length=50,
        description="kubeadm preflight checks to ignore (kubeadm's --ignore-preflight-errors), for hosts without "
        "cgroup controllers (containers, some hardened VMs): e.g. SystemVerification; or all. Names are "
        "letters, digits, '.' and '-', at most 50, duplicates dropped (compared as kubeadm does, in lower case).",
    )


class ProvisioningIn(Strict):
    """VMs created for the cluster from an inventory plan (vSphere or OpenStack), instead of hosts chosen."""

    plan_id: IdRef = Field(
        description="An inventory plan of the cluster's project; its topology must be the cluster's."
    )
    worker_count: int | None = Field(None, ge=0, le=100, description="Workers to create; absent: the plan's count.")


class ClusterCreate(Strict):
    project_id: IdRef
    name: Name
    version: str = Field(min_length=1, max_length=32, description="A Kubernetes version of an imported package.")
    arch: Literal["amd64", "arm64"] = "amd64"
    topology: Literal["single", "ha"] = Field(description="single: 1 master; ha: 3 masters. Workers: any number.")
    nodes: list[NodeIn] = Field(
        default_factory=list, max_length=500,
        description="The inventory hosts and their roles; empty when `provisioning` creates the VMs.",
    )  # fmt: skip
    provisioning: ProvisioningIn | None = Field(
        None,
        description="Create the VMs from a plan (the provisioning service's workspace, named like the cluster, its id "
        "the cluster's): the deploy's first phase, `provision`, makes them and registers them as hosts; `nodes` "
        "stays empty. Shown back in the cluster's `spec.provisioning`.",
    )
    runtime: RuntimeSpec = Field(default_factory=RuntimeSpec)
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    load_balancer: LoadBalancerSpec = Field(default_factory=LoadBalancerSpec)
    ingress: IngressSpec = Field(default_factory=IngressSpec)
    storage: StorageSpec = Field(default_factory=StorageSpec)
    f5: F5Spec = Field(default_factory=F5Spec)
    addons: AddonsSpec = Field(default_factory=AddonsSpec)
    advanced: AdvancedSpec = Field(default_factory=AdvancedSpec)


@dataclass(frozen=True)
class Unchecked:
    """A plan the schema refused, kept as sent so the checks against the world still run on its valid parts."""

    raw: Any
    errors: list[ErrorDetails]


def _keep_refused(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    try:
        return handler(value)
    except ValidationError as exc:
        return Unchecked(value, exc.errors())


# createCluster's body: documented as ClusterCreate; a refused one arrives as Unchecked.
ClusterCreateBody = Annotated[ClusterCreate, WrapValidator(_keep_refused)]


_LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
_RESERVED = ("kubernetes.io/", "k8s.io/")


def _check_labels(labels: dict[str, str]) -> dict[str, str]:
    for key, value in labels.items():
        if not _LABEL_KEY.match(key) or len(key) > 253:
            raise ValueError(f"label {key!r}: a key is [prefix/]name, e.g. example.com/rack or rack")
        prefix = key.split("/", 1)[0] + "/" if "/" in key else ""
        if any(prefix.endswith(r) for r in _RESERVED):
            raise ValueError(f"label {key!r}: the kubernetes.io and k8s.io prefixes are Kubernetes' own; use yours")
        if not _LABEL_VALUE.match(value):
            raise ValueError(f"label {key}={value!r}: a value is up to 63 letters, digits, '-', '_' or '.'")
    return labels


class TaintIn(Strict):
    key: str = Field(min_length=1, max_length=253, pattern=r"^([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
    value: str = Field("", max_length=63, pattern=r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]


class WorkerIn(Strict):
    host_id: IdRef = Field(description="An inventory host of the cluster's project, ready and in no cluster.")
    labels: Annotated[dict[str, str], AfterValidator(_check_labels)] = Field(
        default_factory=dict, description="Node labels set when it joins (not in the kubernetes.io/k8s.io namespaces)."
    )
    taints: list[TaintIn] = Field(default_factory=list, max_length=20, description="Node taints set when it joins.")


class WorkersAdd(Strict):
    nodes: list[WorkerIn] = Field(
        default_factory=list, max_length=100, description="The hosts to join as workers (a cluster of chosen hosts)."
    )
    count: int | None = Field(
        None, ge=1, le=100,
        description="A cluster planned from a plan (`spec.provisioning`): how many new VMs to create as workers, in "
        "the plan's zones round-robin; then they join. Give either nodes or count.",
    )  # fmt: skip


class MasterIn(Strict):
    host_id: IdRef = Field(
        description="An inventory host of the cluster's project, ready, in no cluster, 2 CPUs or more."
    )


class MastersAdd(Strict):
    nodes: list[MasterIn] = Field(
        min_length=1, max_length=4, description="The hosts to join as masters (their etcd members join one at a time)."
    )


class UpgradeRequest(Strict):
    version: str = Field(
        min_length=5, max_length=32, description="The Kubernetes version to reach, e.g. 1.36.2: its package imported."
    )
    worker_batch_percent: int | None = Field(
        None, ge=1, le=100,
        description="Workers upgraded at once, as a percentage of them (default: one at a time).",
    )  # fmt: skip


class CertificateOut(BaseModel):
    node: str = Field(description="The node (inventory host name) the file is on.")
    path: str = Field(description="The file: a certificate, or a kubeconfig holding a client certificate.")
    subject: str
    issuer: str
    not_after: datetime
    days_left: int = Field(description="Whole days until it expires (negative: expired).")
    ca: bool = Field(description="A certificate authority (kubeadm's CAs live 10 years; renew does not change them).")


class CertificatesOut(BaseModel):
    checked_at: datetime | None = Field(description="When they were read; null: never (run a check).")
    items: list[CertificateOut] = Field(description="Soonest expiry first.")
    expiring_within_days: int = Field(description="The warning window: an event is sent for these.")


class CertificatesExpiring(BaseModel):
    """A check found certificates that expire within the warning window (never a key)."""

    cluster_id: str
    project_id: str
    name: str
    count: int
    soonest: CertificateOut


class CertificatesChecked(BaseModel):
    """Every certificate check's outcome: how many it read, how many expire soon, the soonest (never a key)."""

    cluster_id: str
    project_id: str
    name: str
    count: int
    expiring: int = Field(description="Certificates that expire within 30 days (or have expired).")
    soonest: CertificateOut | None = Field(description="The certificate that expires first; null when none was read.")


class NodeOut(BaseModel):
    host_id: str
    name: str
    ip: str
    role: str
    status: str = Field(description="pending, joining, ready, not-ready, removing or rebuilding.")
    not_ready_since: datetime | None = Field(
        None, description="Since when the node health check sees it not Ready (null: Ready or not checked)."
    )
    version: str | None = Field(
        None, description="The kubelet version the API server reports, e.g. 1.36.2 (null until read); changes as "
        "an upgrade reaches the node.",
    )  # fmt: skip


class OperationRef(BaseModel):
    id: str
    kind: str
    status: str
    phase: str | None = Field(description="The running phase, or the failed one.")
    phases_done: int
    phases_total: int


class ClusterOut(BaseModel):
    id: str
    project_id: str
    name: str
    version: str
    arch: str
    status: ClusterStatus
    status_message: str
    spec: dict[str, Any]
    nodes: list[NodeOut]
    current_operation_id: str | None
    operation: OperationRef | None = None
    has_kubeconfig: bool
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: Cluster, operation: OperationRef | None = None) -> ClusterOut:
        return cls(
            id=c.id,
            project_id=c.project_id,
            name=c.name,
            version=c.version,
            arch=c.arch,
            status=c.status,  # type: ignore[arg-type]
            status_message=c.status_message,
            spec=c.spec,
            nodes=[
                NodeOut(
                    host_id=n.host_id,
                    name=n.name,
                    ip=n.ip,
                    role=n.role,
                    status=n.status,
                    not_ready_since=n.not_ready_since,
                    version=n.version,
                )
                for n in c.nodes
            ],
            current_operation_id=c.current_operation_id,
            operation=operation,
            has_kubeconfig=c.kubeconfig_enc is not None,
            created_by=c.created_by,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )


class ClusterEvent(BaseModel):
    """A cluster as events describe it (never the kubeconfig)."""

    id: str
    project_id: str
    name: str
    version: str
    status: ClusterStatus
    status_message: str
    nodes: int
    current_operation_id: str | None

    @classmethod
    def of(cls, c: Cluster) -> ClusterEvent:
        return cls(
            id=c.id,
            project_id=c.project_id,
            name=c.name,
            version=c.version,
            status=c.status,  # type: ignore[arg-type]
            status_message=c.status_message,
            nodes=len(c.nodes),
            current_operation_id=c.current_operation_id,
        )


class ClusterAccessOut(BaseModel):
    """Internal, allowed services only (see `clusters/access.py`): the admin kubeconfig. Never logged."""

    cluster_id: str
    project_id: str
    name: str
    server: str | None = Field(description="API server URL of the kubeconfig's current context, when it says one.")
    kubeconfig: str = Field(repr=False)


class ClusterInfoOut(BaseModel):
    """Internal, allowed services only: what another service needs to know of a cluster (no secret)."""

    cluster_id: str
    project_id: str
    name: str
    status: str
    version: str
    masters: list[str] = Field(description="Names of the cluster's master nodes (its etcd members).")


class ClusterAccessEvent(BaseModel):
    """Who was handed (or refused) a cluster's admin kubeconfig, and when; never the kubeconfig itself."""

    cluster_id: str
    project_id: str | None = Field(description="The cluster's project; null when the cluster does not exist.")
    service: str = Field(description="The calling service, from its signed identity.")
    at: datetime
    reason: str | None = Field(None, description="Why the service was refused; null for a grant.")
