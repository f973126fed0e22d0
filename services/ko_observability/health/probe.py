"""One health check of one cluster through its API server: a verdict with short, stable reasons.

Read: ``/readyz?verbose`` (its answer time is the latency; its failing checks, etcd's among them, are
reasons), the nodes (Ready and the pressure conditions) and the control-plane pods kubeadm runs in
kube-system (``tier=control-plane``). Reasons name what is wrong and where, never an address or a
credential, and do not vary from one check to the next while nothing changes (a change of reasons is
an event). A cluster that does not answer ``/readyz`` at all is unreachable; any other failure is a
reason of a degraded verdict. The caller bounds the whole check with its timeout.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

REQUIRED_COMPONENTS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler")
PRESSURES = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")
MAX_REASONS = 20  # a large cluster with every node down is one verdict, not a page of sentences


@dataclass(frozen=True)
class Verdict:
    state: str  # healthy | degraded | unreachable
    reasons: list[str] = field(default_factory=list)
    latency_ms: float | None = None
    nodes_ready: int | None = None
    nodes_total: int | None = None


def unreachable(exc: BaseException, timeout: float) -> Verdict:
    """The verdict on a cluster whose API server gave no answer; one stable sentence per kind of failure."""
    if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
        reason = f"The API server did not answer within {timeout:g} s."
    elif isinstance(exc, ssl.SSLError) or "SSL" in repr(exc) or "certificate" in str(exc).lower():
        reason = "The API server's TLS handshake fails (its certificate or the admin credentials)."
    else:
        reason = "The API server refuses connections or cannot be reached."
    return Verdict("unreachable", [reason])


async def probe(http: httpx.AsyncClient) -> Verdict:
    """Check the cluster behind ``http`` (a ``ko_common.kubeclient`` client); raises httpx errors when
    ``/readyz`` cannot be read (the caller's unreachable verdict)."""
    started = time.perf_counter()
    r = await http.get("/readyz", params={"verbose": "1"})
    latency = round((time.perf_counter() - started) * 1000, 1)
    reasons = readyz_reasons(r.status_code, r.text)
    ready = total = None
    nodes = await _items(http, "/api/v1/nodes", "Nodes", reasons)
    if nodes is not None:
        ready, total = sum(_condition(n, "Ready") == "True" for n in nodes), len(nodes)
        reasons += node_reasons(nodes)
    pods = await _items(
        http,
        "/api/v1/namespaces/kube-system/pods",
        "Control-plane pods",
        reasons,
        {"labelSelector": "tier=control-plane"},
    )
    if pods is not None:
        reasons += control_plane_reasons(pods)
    if len(reasons) > MAX_REASONS:
        reasons = [*reasons[: MAX_REASONS - 1], f"And {len(reasons) - MAX_REASONS + 1} more problems."]
    return Verdict("degraded" if reasons else "healthy", reasons, latency, ready, total)


async def _items(
    http: httpx.AsyncClient, path: str, what: str, reasons: list[str], params: dict[str, str] | None = None
) -> list[dict[str, Any]] | None:
    r = await http.get(path, params=params)
    if r.status_code != 200:
        reasons.append(f"{what} cannot be listed (HTTP {r.status_code}).")
        return None
    items: list[dict[str, Any]] = r.json().get("items") or []
    return items


def readyz_reasons(status: int, body: str) -> list[str]:
    """Reasons from ``/readyz?verbose``: each failing check (``[-]name failed: ...``), etcd's named as such."""
    if status in (401, 403):
        return [f"The API server refuses the admin credentials (HTTP {status})."]
    failing = [line[3:].split(" ", 1)[0] for line in body.splitlines() if line.startswith("[-]")]
    reasons = [
        f"etcd is unhealthy: the API server's {name} check fails."
        if name.startswith("etcd")
        else f"The API server's readiness check {name} fails."
        for name in failing
    ]
    if status != 200 and not reasons:
        reasons.append(f"The API server is not ready (HTTP {status}).")
    return reasons


def _condition(obj: dict[str, Any], kind: str) -> str | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == kind:
            return str(cond.get("status"))
    return None


def _reason(obj: dict[str, Any], kind: str) -> str:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == kind:
            return str(cond.get("reason") or cond.get("status"))
    return f"no {kind} condition"


def node_reasons(nodes: list[dict[str, Any]]) -> list[str]:
    if not nodes:
        return ["No node is registered."]
    reasons = []
    for node in sorted(nodes, key=lambda n: str(n["metadata"]["name"])):
        name = node["metadata"]["name"]
        if _condition(node, "Ready") != "True":
            reasons.append(f"Node {name} is not Ready ({_reason(node, 'Ready')}).")
        reasons += [f"Node {name} reports {kind}." for kind in PRESSURES if _condition(node, kind) == "True"]
    return reasons


def control_plane_reasons(pods: list[dict[str, Any]]) -> list[str]:
    """Each required component has a pod (kubeadm's static pods), and every control-plane pod is Ready."""
    reasons, seen = [], set()
    for pod in sorted(pods, key=lambda p: str(p["metadata"]["name"])):
        component = str((pod["metadata"].get("labels") or {}).get("component") or pod["metadata"]["name"])
        seen.add(component)
        if _condition(pod, "Ready") != "True":
            where = (pod.get("spec") or {}).get("nodeName") or "no node"
            reasons.append(f"{component} on {where} is not ready ({_reason(pod, 'Ready')}).")
    reasons += [f"No {c} pod runs in kube-system." for c in REQUIRED_COMPONENTS if c not in seen]
    return reasons
