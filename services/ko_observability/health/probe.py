"""One health check of one cluster through its API server: a verdict with short, stable findings.

Read: ``/readyz?verbose`` (its answer time is the latency; its failing checks, etcd's among them, are
reasons), the nodes (Ready and the pressure conditions) and the control-plane pods kubeadm runs in
kube-system (``tier=control-plane``). Reasons name what is wrong and where, never an address or a
credential, and do not vary from one check to the next while nothing changes (a change of reasons is
an event). A cluster that does not answer ``/readyz`` at all is unreachable; any other failure is a
reason of a degraded verdict. The caller bounds the whole check with its timeout.

Each finding has a stable ``code`` (the alert rules key on it; the list is FINDING_CODES), the
``subject`` it is about (a node, a check, a component) and the sentence the console shows.
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


FINDING_CODES = (
    "api-unreachable", "credentials-refused", "kubeconfig-invalid", "etcd-unhealthy", "readyz-failing",
    "api-not-ready", "list-failed", "no-nodes", "node-not-ready", "node-pressure", "control-plane-not-ready",
    "control-plane-missing", "too-many-problems", "certificate-expiring", "certificate-expired",
    "backup-failed", "backup-too-old",
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    code: str  # one of FINDING_CODES
    subject: str | None
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "subject": self.subject, "message": self.message}


@dataclass(frozen=True)
class Verdict:
    state: str  # healthy | degraded | unreachable | unknown
    findings: list[Finding] = field(default_factory=list)
    latency_ms: float | None = None
    nodes_ready: int | None = None
    nodes_total: int | None = None

    @property
    def reasons(self) -> list[str]:
        return [f.message for f in self.findings]

    def adding(self, extra: list[Finding]) -> Verdict:
        """This verdict with findings that do not come from the API server (certificates, backups)."""
        if not extra or self.state == "unknown":
            return self
        state = "degraded" if self.state == "healthy" else self.state
        return Verdict(state, [*self.findings, *extra], self.latency_ms, self.nodes_ready, self.nodes_total)


def unreachable(exc: BaseException, timeout: float) -> Verdict:
    """The verdict on a cluster whose API server gave no answer; one stable sentence per kind of failure."""
    if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
        reason = f"The API server did not answer within {timeout:g} s."
    elif isinstance(exc, ssl.SSLError) or "SSL" in repr(exc) or "certificate" in str(exc).lower():
        reason = "The API server's TLS handshake fails (its certificate or the admin credentials)."
    else:
        reason = "The API server refuses connections or cannot be reached."
    return Verdict("unreachable", [Finding("api-unreachable", None, reason)])


async def probe(http: httpx.AsyncClient) -> Verdict:
    """Check the cluster behind ``http`` (a ``ko_common.kubeclient`` client); raises httpx errors when
    ``/readyz`` cannot be read (the caller's unreachable verdict)."""
    started = time.perf_counter()
    r = await http.get("/readyz", params={"verbose": "1"})
    latency = round((time.perf_counter() - started) * 1000, 1)
    findings = readyz_findings(r.status_code, r.text)
    ready = total = None
    nodes = await _items(http, "/api/v1/nodes", "Nodes", findings)
    if nodes is not None:
        ready, total = sum(_condition(n, "Ready") == "True" for n in nodes), len(nodes)
        findings += node_findings(nodes)
    pods = await _items(
        http,
        "/api/v1/namespaces/kube-system/pods",
        "Control-plane pods",
        findings,
        {"labelSelector": "tier=control-plane"},
    )
    if pods is not None:
        findings += control_plane_findings(pods)
    if len(findings) > MAX_REASONS:
        more = f"And {len(findings) - MAX_REASONS + 1} more problems."
        findings = [*findings[: MAX_REASONS - 1], Finding("too-many-problems", None, more)]
    return Verdict("degraded" if findings else "healthy", findings, latency, ready, total)


async def _items(
    http: httpx.AsyncClient, path: str, what: str, findings: list[Finding], params: dict[str, str] | None = None
) -> list[dict[str, Any]] | None:
    r = await http.get(path, params=params)
    if r.status_code != 200:
        findings.append(Finding("list-failed", what, f"{what} cannot be listed (HTTP {r.status_code})."))
        return None
    items: list[dict[str, Any]] = r.json().get("items") or []
    return items


def readyz_findings(status: int, body: str) -> list[Finding]:
    """Findings from ``/readyz?verbose``: each failing check (``[-]name failed: ...``), etcd's named as such."""
    if status in (401, 403):
        message = f"The API server refuses the admin credentials (HTTP {status})."
        return [Finding("credentials-refused", None, message)]
    failing = [line[3:].split(" ", 1)[0] for line in body.splitlines() if line.startswith("[-]")]
    findings = [
        Finding("etcd-unhealthy", name, f"etcd is unhealthy: the API server's {name} check fails.")
        if name.startswith("etcd")
        else Finding("readyz-failing", name, f"The API server's readiness check {name} fails.")
        for name in failing
    ]
    if status != 200 and not findings:
        findings.append(Finding("api-not-ready", None, f"The API server is not ready (HTTP {status})."))
    return findings


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


def node_findings(nodes: list[dict[str, Any]]) -> list[Finding]:
    if not nodes:
        return [Finding("no-nodes", None, "No node is registered.")]
    findings = []
    for node in sorted(nodes, key=lambda n: str(n["metadata"]["name"])):
        name = str(node["metadata"]["name"])
        if _condition(node, "Ready") != "True":
            findings.append(Finding("node-not-ready", name, f"Node {name} is not Ready ({_reason(node, 'Ready')})."))
        findings += [
            Finding("node-pressure", f"{name}/{kind}", f"Node {name} reports {kind}.")
            for kind in PRESSURES
            if _condition(node, kind) == "True"
        ]
    return findings


def control_plane_findings(pods: list[dict[str, Any]]) -> list[Finding]:
    """Each required component has a pod (kubeadm's static pods), and every control-plane pod is Ready."""
    findings, seen = [], set()
    for pod in sorted(pods, key=lambda p: str(p["metadata"]["name"])):
        component = str((pod["metadata"].get("labels") or {}).get("component") or pod["metadata"]["name"])
        seen.add(component)
        if _condition(pod, "Ready") != "True":
            where = (pod.get("spec") or {}).get("nodeName") or "no node"
            message = f"{component} on {where} is not ready ({_reason(pod, 'Ready')})."
            findings.append(Finding("control-plane-not-ready", f"{component}@{where}", message))
    findings += [
        Finding("control-plane-missing", c, f"No {c} pod runs in kube-system.")
        for c in REQUIRED_COMPONENTS
        if c not in seen
    ]
    return findings
