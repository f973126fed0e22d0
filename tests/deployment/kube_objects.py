"""What the add-on phases must leave in a Running cluster's API, for the lab tests.

``assert_addons(get, spec)`` checks, through ``get`` (a function running ``kubectl get <args> -o json``
against the cluster and returning the parsed answer, e.g. over SSH on the first master with
/etc/kubernetes/admin.conf), that the objects of the chosen CNI, CoreDNS, metrics-server and Traefik
are there with the names the roles give them, that the add-ons turned off in ``spec`` are not, and
that every image of every workload in the cluster is one the offline package imports (or comes from
a registry named in ``registries``) and is pulled IfNotPresent.

    def get(args: str) -> Any:
        out = ssh_root(master, f"kubectl --kubeconfig /etc/kubernetes/admin.conf get {args} -o json").stdout
        return json.loads(out)

    assert_addons(get, cluster["spec"])
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable
from typing import Any

KubectlGet = Callable[[str], Any]
WORKLOADS = ("daemonsets", "deployments", "statefulsets", "jobs", "cronjobs", "pods")


def package_images() -> set[str]:
    """Every image of the test offline package, as containerd names it: <name>:<version>."""
    import yaml

    from tests.support.offline_package import build_test_package

    manifest = yaml.safe_load((build_test_package() / "manifest.yaml").read_text())
    return {f"{a['name']}:{a['version']}" for a in manifest["artifacts"] if a["kind"] == "image"}


def _names(get: KubectlGet, args: str) -> set[tuple[str, str]]:
    items = get(args).get("items") or []
    return {(i["metadata"].get("namespace", ""), i["metadata"]["name"]) for i in items}


def _pod_specs(obj: dict[str, Any]) -> Iterable[dict[str, Any]]:
    spec = obj.get("spec") or {}
    kind = obj.get("kind")
    if kind == "Pod":
        yield spec
    elif kind == "CronJob":
        yield ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template", {}).get("spec") or {}
    else:
        yield (spec.get("template") or {}).get("spec") or {}


def workload_images(get: KubectlGet) -> dict[str, tuple[str, str | None]]:
    """'<Kind> <namespace>/<name> <container>' -> (image, imagePullPolicy) of every workload."""
    found = {}
    for resource in WORKLOADS:
        for obj in get(f"{resource} --all-namespaces").get("items") or []:
            meta = obj["metadata"]
            kind = obj.get("kind") or resource.rstrip("s").capitalize()
            for pod in _pod_specs({**obj, "kind": kind}):
                for c in [*(pod.get("initContainers") or []), *(pod.get("containers") or [])]:
                    where = f"{kind} {meta.get('namespace', '')}/{meta['name']} {c['name']}"
                    found[where] = (c["image"], c.get("imagePullPolicy"))
    return found


def assert_addons(
    get: KubectlGet,
    spec: dict[str, Any],
    *,
    imported: Collection[str] | None = None,
    registries: Collection[str] = (),
) -> None:
    """Assert the add-ons of ``spec`` (the cluster spec: network, ingress, addons) reached the API."""
    network = spec.get("network") or {}
    plugin = network.get("plugin", "flannel")
    problems: list[str] = []

    def need(present: bool, what: str) -> None:
        if not present:
            problems.append(f"missing: {what}")

    def absent(present: bool, what: str) -> None:
        if present:
            problems.append(f"present although turned off: {what}")

    daemonsets = _names(get, "daemonsets --all-namespaces")
    deployments = _names(get, "deployments --all-namespaces")
    services = {(ns, n): s for s in get("services --all-namespaces").get("items") or []
                for ns, n in [(s["metadata"].get("namespace", ""), s["metadata"]["name"])]}  # fmt: skip
    crds = {n for _, n in _names(get, "customresourcedefinitions")}

    flannel = ("kube-flannel", "kube-flannel-ds") in daemonsets
    calico = ("tigera-operator", "tigera-operator") in deployments
    if plugin == "flannel":
        need(flannel, "DaemonSet kube-flannel/kube-flannel-ds (flannel)")
        config = get("configmap kube-flannel-cfg --namespace kube-flannel")
        net_conf = json.loads((config.get("data") or {}).get("net-conf.json") or "{}")
        pod_cidr = network.get("pod_cidr", "10.244.0.0/16")
        if net_conf.get("Network") != pod_cidr:
            problems.append(
                f"flannel's net-conf.json has Network {net_conf.get('Network')}, not the pod CIDR {pod_cidr}"
            )
        absent(calico, "Deployment tigera-operator/tigera-operator (calico) beside flannel")
    elif plugin == "calico":
        need(calico, "Deployment tigera-operator/tigera-operator (calico)")
        need("installations.operator.tigera.io" in crds, "CRD installations.operator.tigera.io")
        if "installations.operator.tigera.io" in crds:
            install = get("installations.operator.tigera.io default")
            pools = ((install.get("spec") or {}).get("calicoNetwork") or {}).get("ipPools") or []
            need(any(p.get("cidr") == network.get("pod_cidr", "10.244.0.0/16") for p in pools),
                 "Installation default with an IP pool of the pod CIDR")  # fmt: skip
        absent(flannel, "DaemonSet kube-flannel/kube-flannel-ds (flannel) beside calico")
    else:
        absent(flannel or calico, "a CNI plugin (network.plugin is none)")

    need(("kube-system", "coredns") in deployments, "Deployment kube-system/coredns")
    dns = services.get(("kube-system", "kube-dns"))
    need(dns is not None, "Service kube-system/kube-dns")
    if dns is not None:
        base = network.get("service_cidr", "10.96.0.0/12").split("/")[0].rsplit(".", 1)[0]
        if dns["spec"].get("clusterIP") != f"{base}.10":
            problems.append(f"Service kube-dns has clusterIP {dns['spec'].get('clusterIP')}, not {base}.10")

    metrics_on = (spec.get("addons") or {}).get("metrics_server", True)
    apiservices = {n for _, n in _names(get, "apiservices")}
    metrics = ("kube-system", "metrics-server") in deployments
    if metrics_on:
        need(metrics, "Deployment kube-system/metrics-server")
        need("v1beta1.metrics.k8s.io" in apiservices, "APIService v1beta1.metrics.k8s.io")
    else:
        absent(metrics, "Deployment kube-system/metrics-server")

    ingress_on = (spec.get("ingress") or {}).get("enabled", True)
    traefik = ("traefik", "traefik") in deployments
    if ingress_on:
        need(traefik, "Deployment traefik/traefik")
        need(("traefik", "traefik") in services, "Service traefik/traefik")
        need("ingressroutes.traefik.io" in crds, "CRD ingressroutes.traefik.io")
        need(("", "traefik") in _names(get, "ingressclasses"), "IngressClass traefik")
    else:
        absent(traefik, "Deployment traefik/traefik")

    allowed = set(package_images() if imported is None else imported)
    for where, (image, policy) in sorted(workload_images(get).items()):
        if image not in allowed and not any(image.startswith(r.rstrip("/") + "/") for r in registries):
            problems.append(f"{where}: image {image} is neither imported from the offline package nor from "
                            f"{', '.join(registries) or 'a registry of the site'}")  # fmt: skip
        if policy not in (None, "IfNotPresent"):
            problems.append(f"{where}: imagePullPolicy {policy}, not IfNotPresent")
    assert not problems, "the add-ons in the API are not as the spec says:\n  " + "\n  ".join(problems)
