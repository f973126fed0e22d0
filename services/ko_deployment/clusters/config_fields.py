"""Known fields of the component configurations a cluster spec's `advanced` block may extend.

Source: the Kubernetes API types, read field by field from their `json:` tags:
- KubeletConfiguration (kubelet.config.k8s.io/v1beta1): k8s.io/kubelet config/v1beta1/types.go
  (staging/src/k8s.io/kubelet/config/v1beta1/types.go in kubernetes/kubernetes), as published in the
  "Kubelet Configuration (v1beta1)" reference at kubernetes.io/docs/reference/config-api/.
- KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1): k8s.io/kube-proxy config/v1alpha1/types.go,
  the "kube-proxy Configuration (v1alpha1)" reference.
Only top-level fields are listed; nested objects (authentication, iptables, conntrack, ...) are
checked to be objects and passed through as given. A field added in a later minor carries `since`.
When a new Kubernetes minor is supported, add it to SUPPORTED_MINORS and give its new fields a `since`.

Types are checked where cheap: bool, int, float (int accepted), duration (a Go duration string such
as "10s" or "1m30s"), str, list, map (string keys) and object (a nested structure). Values are then
checked against the ranges and choices the components themselves validate (kubelet:
pkg/kubelet/apis/config/validation/validation.go; kube-proxy: pkg/proxy/apis/config/validation),
plus a few ranges outside which a node cannot work (maxPods 0, maxOpenFiles 0). No duration may be
negative.
"""

from __future__ import annotations

from dataclasses import dataclass

SUPPORTED_MINORS = (34, 35, 36)


@dataclass(frozen=True)
class Limit:
    """An inclusive range of a number (durations in seconds), with values allowed outside it."""

    low: float | None = None
    high: float | None = None
    above: bool = False  # low itself is excluded (greater than low)
    also: tuple[float, ...] = ()  # e.g. -1, "no limit"
    why: str = ""  # what `also` means, for the message


@dataclass(frozen=True)
class Known:
    type: str
    since: int = 34  # the first supported Kubernetes minor (1.x) with the field
    limit: Limit | None = None
    choices: tuple[str, ...] = ()


def _fields(
    types: dict[str, str],
    later: dict[str, int] | None = None,
    limits: dict[str, Limit] | None = None,
    choices: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, Known]:
    unknown = (set(later or {}) | set(limits or {}) | set(choices or {})) - set(types)
    assert not unknown, f"limits or choices for unknown fields: {unknown}"
    return {
        name: Known(t, (later or {}).get(name, 34), (limits or {}).get(name), (choices or {}).get(name, ()))
        for name, t in types.items()
    }


_PORT = Limit(1, 65535)
_PORT_OR_OFF = Limit(1, 65535, also=(0,), why="off")
_NOT_NEGATIVE = Limit(0)
_POSITIVE = Limit(1)
_PERCENT = Limit(0, 100)
_OOM_SCORE = Limit(-1000, 1000)


KUBELET_FIELDS: dict[str, Known] = _fields(
    {
        "enableServer": "bool",
        "staticPodPath": "str",
        "podLogsDir": "str",
        "syncFrequency": "duration",
        "fileCheckFrequency": "duration",
        "httpCheckFrequency": "duration",
        "staticPodURL": "str",
        "staticPodURLHeader": "map",
        "address": "str",
        "port": "int",
        "readOnlyPort": "int",
        "tlsCertFile": "str",
        "tlsPrivateKeyFile": "str",
        "tlsCipherSuites": "list",
        "tlsCurvePreferences": "list",
        "tlsMinVersion": "str",
        "rotateCertificates": "bool",
        "serverTLSBootstrap": "bool",
        "authentication": "object",
        "authorization": "object",
        "registryPullQPS": "int",
        "registryBurst": "int",
        "imagePullCredentialsVerificationPolicy": "str",
        "preloadedImagesVerificationAllowlist": "list",
        "eventRecordQPS": "int",
        "eventBurst": "int",
        "enableDebuggingHandlers": "bool",
        "enableContentionProfiling": "bool",
        "healthzPort": "int",
        "healthzBindAddress": "str",
        "oomScoreAdj": "int",
        "clusterDomain": "str",
        "clusterDNS": "list",
        "streamingConnectionIdleTimeout": "duration",
        "nodeStatusUpdateFrequency": "duration",
        "nodeStatusReportFrequency": "duration",
        "nodeLeaseDurationSeconds": "int",
        "imageMinimumGCAge": "duration",
        "imageMaximumGCAge": "duration",
        "imageGCHighThresholdPercent": "int",
        "imageGCLowThresholdPercent": "int",
        "volumeStatsAggPeriod": "duration",
        "kubeletCgroups": "str",
        "systemCgroups": "str",
        "cgroupRoot": "str",
        "cgroupsPerQOS": "bool",
        "cgroupDriver": "str",
        "cpuManagerPolicy": "str",
        "singleProcessOOMKill": "bool",
        "cpuManagerPolicyOptions": "map",
        "cpuManagerReconcilePeriod": "duration",
        "draManagerReconcilePeriod": "duration",
        "memoryManagerPolicy": "str",
        "topologyManagerPolicy": "str",
        "topologyManagerScope": "str",
        "topologyManagerPolicyOptions": "map",
        "qosReserved": "map",
        "runtimeRequestTimeout": "duration",
        "hairpinMode": "str",
        "maxPods": "int",
        "podCIDR": "str",
        "podPidsLimit": "int",
        "resolvConf": "str",
        "runOnce": "bool",
        "cpuCFSQuota": "bool",
        "cpuCFSQuotaPeriod": "duration",
        "nodeStatusMaxImages": "int",
        "maxOpenFiles": "int",
        "contentType": "str",
        "kubeAPIQPS": "int",
        "kubeAPIBurst": "int",
        "serializeImagePulls": "bool",
        "maxParallelImagePulls": "int",
        "evictionHard": "map",
        "evictionSoft": "map",
        "evictionSoftGracePeriod": "map",
        "evictionPressureTransitionPeriod": "duration",
        "evictionMaxPodGracePeriod": "int",
        "evictionMinimumReclaim": "map",
        "mergeDefaultEvictionSettings": "bool",
        "podsPerCore": "int",
        "enableControllerAttachDetach": "bool",
        "protectKernelDefaults": "bool",
        "makeIPTablesUtilChains": "bool",
        "iptablesMasqueradeBit": "int",
        "iptablesDropBit": "int",
        "featureGates": "map",
        "failSwapOn": "bool",
        "memorySwap": "object",
        "containerLogMaxSize": "str",
        "containerLogMaxFiles": "int",
        "containerLogMaxWorkers": "int",
        "containerLogMonitorInterval": "duration",
        "configMapAndSecretChangeDetectionStrategy": "str",
        "systemReserved": "map",
        "kubeReserved": "map",
        "reservedSystemCPUs": "str",
        "showHiddenMetricsForVersion": "str",
        "systemReservedCgroup": "str",
        "kubeReservedCgroup": "str",
        "enforceNodeAllocatable": "list",
        "allowedUnsafeSysctls": "list",
        "volumePluginDir": "str",
        "providerID": "str",
        "kernelMemcgNotification": "bool",
        "logging": "object",
        "enableSystemLogHandler": "bool",
        "enableSystemLogQuery": "bool",
        "shutdownGracePeriod": "duration",
        "shutdownGracePeriodCriticalPods": "duration",
        "shutdownGracePeriodByPodPriority": "list",
        "crashLoopBackOff": "object",
        "reservedMemory": "list",
        "enableProfilingHandler": "bool",
        "enableDebugFlagsHandler": "bool",
        "seccompDefault": "bool",
        "memoryThrottlingFactor": "float",
        "memoryReservationPolicy": "str",
        "registerWithTaints": "list",
        "registerNode": "bool",
        "tracing": "object",
        "localStorageCapacityIsolation": "bool",
        "containerRuntimeEndpoint": "str",
        "imageServiceEndpoint": "str",
        "failCgroupV1": "bool",
        "userNamespaces": "object",
    },
    # memoryReservationPolicy (MemoryQoS tiered protection, KEP-2570) is in the newest types only.
    later={"memoryReservationPolicy": 36},
    limits={
        "port": _PORT,
        "readOnlyPort": _PORT_OR_OFF,
        "healthzPort": _PORT_OR_OFF,
        "registryPullQPS": _NOT_NEGATIVE,
        "registryBurst": _NOT_NEGATIVE,
        "eventRecordQPS": _NOT_NEGATIVE,
        "eventBurst": _NOT_NEGATIVE,
        "kubeAPIQPS": _NOT_NEGATIVE,
        "kubeAPIBurst": _NOT_NEGATIVE,
        "oomScoreAdj": _OOM_SCORE,
        "nodeLeaseDurationSeconds": _POSITIVE,
        "imageGCHighThresholdPercent": _PERCENT,
        "imageGCLowThresholdPercent": _PERCENT,
        "iptablesMasqueradeBit": Limit(0, 31),
        "iptablesDropBit": Limit(0, 31),
        # The kubelet refuses only negatives; a node taking no pods, or opening no file, does not work.
        "maxPods": _POSITIVE,
        "maxOpenFiles": _POSITIVE,
        "podPidsLimit": Limit(1, also=(-1,), why="no limit"),
        "podsPerCore": _NOT_NEGATIVE,
        "nodeStatusMaxImages": Limit(0, also=(-1,), why="no cap"),
        "maxParallelImagePulls": _POSITIVE,
        "containerLogMaxFiles": Limit(2),
        "containerLogMaxWorkers": _POSITIVE,
        "memoryThrottlingFactor": Limit(0, 1, above=True),
        "draManagerReconcilePeriod": Limit(0, above=True),
        "containerLogMonitorInterval": Limit(3),
        "cpuCFSQuotaPeriod": Limit(0.001, 1),
        "shutdownGracePeriod": Limit(1, also=(0,)),
        "shutdownGracePeriodCriticalPods": Limit(1, also=(0,)),
    },
    choices={
        "cgroupDriver": ("systemd", "cgroupfs"),
        "hairpinMode": ("promiscuous-bridge", "hairpin-veth", "none"),
        "cpuManagerPolicy": ("none", "static"),
        "memoryManagerPolicy": ("None", "Static"),
        "memoryReservationPolicy": ("None", "TieredReservation"),
        "topologyManagerPolicy": ("none", "best-effort", "restricted", "single-numa-node"),
        "topologyManagerScope": ("container", "pod"),
        "configMapAndSecretChangeDetectionStrategy": ("Get", "Cache", "Watch"),
        "imagePullCredentialsVerificationPolicy": (
            "NeverVerify",
            "NeverVerifyPreloadedImages",
            "NeverVerifyAllowlistedImages",
            "AlwaysVerify",
        ),
        "tlsMinVersion": ("VersionTLS10", "VersionTLS11", "VersionTLS12", "VersionTLS13"),
    },
)
# Kubelet defaults (v1beta1) the cross-field checks compare against when a field is not given.
KUBELET_DEFAULTS: dict[str, object] = {
    "cgroupDriver": "systemd",  # KubeOperator's, not the kubelet's (cgroupfs)
    "imageGCHighThresholdPercent": 85,
    "imageGCLowThresholdPercent": 80,
    "serializeImagePulls": True,
}

KUBE_PROXY_FIELDS: dict[str, Known] = _fields(
    {
        "featureGates": "map",
        "clientConnection": "object",
        "logging": "object",
        "hostnameOverride": "str",
        "bindAddress": "str",
        "healthzBindAddress": "str",
        "metricsBindAddress": "str",
        "bindAddressHardFail": "bool",
        "enableProfiling": "bool",
        "showHiddenMetricsForVersion": "str",
        "mode": "str",
        "iptables": "object",
        "ipvs": "object",
        "nftables": "object",
        "winkernel": "object",
        "detectLocalMode": "str",
        "detectLocal": "object",
        "clusterCIDR": "str",
        "nodePortAddresses": "list",
        "oomScoreAdj": "int",
        "conntrack": "object",
        "configSyncPeriod": "duration",
        "portRange": "str",
        "windowsRunAsService": "bool",
    },
    limits={"oomScoreAdj": _OOM_SCORE, "configSyncPeriod": Limit(0, above=True)},
    choices={"detectLocalMode": ("ClusterCIDR", "NodeCIDR", "BridgeInterface", "InterfaceNamePrefix")},
)

# Fields KubeOperator sets itself, with the sentence telling where to change them instead.
KUBELET_MANAGED: dict[str, str] = {
    "apiVersion": "set by KubeOperator (kubelet.config.k8s.io/v1beta1); give only the fields",
    "kind": "set by KubeOperator (KubeletConfiguration); give only the fields",
    "clusterDNS": "set by KubeOperator from network.service_cidr (the cluster DNS service address)",
    "clusterDomain": "set by KubeOperator from network.dns_domain",
    "staticPodPath": "set by KubeOperator: the control plane runs as static pods from /etc/kubernetes/manifests",
    "containerRuntimeEndpoint": "set by KubeOperator from runtime.name (the containerd socket)",
    "imageServiceEndpoint": "set by KubeOperator from runtime.name (the containerd socket)",
    "podCIDR": "set by KubeOperator from network.pod_cidr",
    "tlsCertFile": "set by KubeOperator's certificates phase",
    "tlsPrivateKeyFile": "set by KubeOperator's certificates phase",
}

KUBE_PROXY_MANAGED: dict[str, str] = {
    "apiVersion": "set by KubeOperator (kubeproxy.config.k8s.io/v1alpha1); give only the fields",
    "kind": "set by KubeOperator (KubeProxyConfiguration); give only the fields",
    "mode": "set by KubeOperator from network.proxy_mode",
    "clusterCIDR": "set by KubeOperator from network.pod_cidr",
    "clientConnection": "set by KubeOperator (kube-proxy's kubeconfig from kubeadm)",
    "hostnameOverride": "set by KubeOperator from the node's name in inventory",
}

# Control-plane flags (without the leading --) KubeOperator sets, per component.
_CERTS = "set by KubeOperator's certificates phase (/etc/kubernetes/pki)"
_KUBECONFIG = "set by KubeOperator (the component's kubeconfig from kubeadm)"
APISERVER_MANAGED: dict[str, str] = {
    "advertise-address": "set by KubeOperator from the master's address in inventory",
    "bind-address": "per master (all addresses by default): one value for all would stop the other masters binding",
    "secure-port": "set by KubeOperator (6443); the clients' port is load_balancer.port",
    "etcd-servers": "set by KubeOperator from the masters (the etcd phase)",
    "etcd-cafile": "set by KubeOperator's etcd phase",
    "etcd-certfile": "set by KubeOperator's etcd phase",
    "etcd-keyfile": "set by KubeOperator's etcd phase",
    "tls-cert-file": _CERTS,
    "tls-private-key-file": _CERTS,
    "client-ca-file": _CERTS,
    "kubelet-client-certificate": _CERTS,
    "kubelet-client-key": _CERTS,
    "proxy-client-cert-file": _CERTS,
    "proxy-client-key-file": _CERTS,
    "requestheader-client-ca-file": _CERTS,
    "service-account-key-file": _CERTS,
    "service-account-signing-key-file": _CERTS,
    "service-account-issuer": "set by KubeOperator from the cluster's API endpoint (load_balancer)",
    "service-cluster-ip-range": "set by KubeOperator from network.service_cidr",
    "encryption-provider-config": "set by KubeOperator (Secrets are encrypted at rest with the cluster's key)",
}
CONTROLLER_MANAGER_MANAGED: dict[str, str] = {
    "cluster-cidr": "set by KubeOperator from network.pod_cidr",
    "service-cluster-ip-range": "set by KubeOperator from network.service_cidr",
    "allocate-node-cidrs": "set by KubeOperator from network.plugin",
    "cluster-signing-cert-file": _CERTS,
    "cluster-signing-key-file": _CERTS,
    "root-ca-file": _CERTS,
    "service-account-private-key-file": _CERTS,
    "kubeconfig": _KUBECONFIG,
    "authentication-kubeconfig": _KUBECONFIG,
    "authorization-kubeconfig": _KUBECONFIG,
}
SCHEDULER_MANAGED: dict[str, str] = {
    "kubeconfig": _KUBECONFIG,
    "authentication-kubeconfig": _KUBECONFIG,
    "authorization-kubeconfig": _KUBECONFIG,
}
CONTROL_PLANE_MANAGED: dict[str, dict[str, str]] = {
    "apiserver": APISERVER_MANAGED,
    "controller_manager": CONTROLLER_MANAGER_MANAGED,
    "scheduler": SCHEDULER_MANAGED,
}

# containerd config.toml keys KubeOperator renders, as paths of table keys, for both layouts
# (config version 3 for containerd 2.x, version 2 for 1.x).
_CRI_V3_IMAGES = ("plugins", "io.containerd.cri.v1.images")
_CRI_V3_RUNC = ("plugins", "io.containerd.cri.v1.runtime", "containerd", "runtimes", "runc", "options")
_CRI_V2 = ("plugins", "io.containerd.grpc.v1.cri")
_CRI_V2_RUNC = (*_CRI_V2, "containerd", "runtimes", "runc", "options")
# runc's cgroup driver option, per layout. The containerd role derives it from the kubelet's
# cgroupDriver; a site may still set it, in agreement (false with cgroupfs, true with systemd).
SYSTEMD_CGROUP: tuple[tuple[str, ...], ...] = ((*_CRI_V3_RUNC, "SystemdCgroup"), (*_CRI_V2_RUNC, "SystemdCgroup"))
_SANDBOX = "set by KubeOperator: the pause image of the offline package"
_MIRRORS = "set by KubeOperator from runtime.registry_mirrors (hosts.toml under /etc/containerd/certs.d)"
CONTAINERD_MANAGED: dict[tuple[str, ...], str] = {
    ("version",): "set by KubeOperator from the containerd version of the offline package",
    ("root",): "set by KubeOperator (/var/lib/containerd)",
    ("state",): "set by KubeOperator (/run/containerd)",
    ("grpc", "address"): "set by KubeOperator: the kubelet and the deploy talk to this socket",
    (*_CRI_V3_IMAGES, "pinned_images", "sandbox"): _SANDBOX,
    (*_CRI_V3_IMAGES, "registry", "config_path"): _MIRRORS,
    (*_CRI_V3_IMAGES, "registry", "mirrors"): _MIRRORS,
    (*_CRI_V2, "sandbox_image"): _SANDBOX,
    (*_CRI_V2, "registry", "config_path"): _MIRRORS,
    (*_CRI_V2, "registry", "mirrors"): _MIRRORS,
}
