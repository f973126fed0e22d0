"""The built-in alert rules (a fixed catalogue) and how each source's facts map onto them."""

# ruff: noqa: RUF001 - the Chinese texts use full-width punctuation, as Chinese is written

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["info", "warning", "critical"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title_en: str
    title_zh: str
    description_en: str
    description_zh: str

    def title(self, language: str) -> str:
        return self.title_zh if language == "zh" else self.title_en


_CATALOGUE = (
    Rule("cluster-unreachable", "critical", "Cluster unreachable", "集群不可达",
         "The cluster's API server does not answer, or refuses the service's credentials.",
         "集群的 API Server 无响应，或拒绝了服务的凭据。"),
    Rule("node-not-ready", "critical", "Node not ready", "节点未就绪",
         "A node's Ready condition is not True.", "节点的 Ready 状态不为 True。"),
    Rule("etcd-member-unhealthy", "critical", "etcd member unhealthy", "etcd 成员不健康",
         "An etcd check of the API server's /readyz fails.", "API Server /readyz 中的 etcd 检查失败。"),
    Rule("certificate-expiring", "warning", "Certificate expiring", "证书即将过期",
         "A cluster certificate expires within 30 days, or has expired.", "集群证书将在 30 天内过期，或已过期。"),
    Rule("backup-failed", "warning", "Backup failed", "备份失败",
         "The cluster's last etcd backup failed.", "集群最近一次 etcd 备份失败。"),
    Rule("backup-too-old", "warning", "Backup too old", "备份过旧",
         "The cluster's last good etcd backup is older than its schedule allows.",
         "集群最近一次成功的 etcd 备份过旧。"),
    Rule("operation-failed", "warning", "Operation failed", "操作失败",
         "An operation on the cluster failed; resolved when a later one of the same kind succeeds.",
         "集群上的操作失败；同类操作之后成功即恢复。"),
    Rule("pod-crash-looping", "warning", "Pod crash-looping", "Pod 反复崩溃",
         "A pod's container keeps restarting (BackOff, CrashLoopBackOff).",
         "Pod 的容器不断重启（BackOff、CrashLoopBackOff）。"),
    Rule("pod-evicted", "warning", "Pod evicted", "Pod 被驱逐",
         "A pod was evicted from its node (Evicted).", "Pod 被节点驱逐（Evicted）。"),
)  # fmt: skip
RULES: dict[str, Rule] = {r.id: r for r in _CATALOGUE}

# Health findings (ClusterHealthEvent.findings[].code) that raise a rule.
FINDING_RULES: dict[str, str] = {
    "api-unreachable": "cluster-unreachable",
    "node-not-ready": "node-not-ready",
    "etcd-unhealthy": "etcd-member-unhealthy",
    "certificate-expiring": "certificate-expiring",
    "certificate-expired": "certificate-expiring",
    "backup-failed": "backup-failed",
    "backup-too-old": "backup-too-old",
}
HEALTH_RULES = frozenset(FINDING_RULES.values())
# While the API cannot be read, what only the API tells (nodes, etcd, certificates) is unknown, not fixed.
BLINDING_FINDINGS = frozenset({"api-unreachable", "credentials-refused"})
# Findings whose alert is worse than the rule's usual severity.
FINDING_SEVERITY: dict[str, Severity] = {"certificate-expired": "critical"}

# Kubernetes Warning events (reason, on a Pod) that raise a rule; resolved after a quiet period.
POD_REASONS: dict[str, str] = {"BackOff": "pod-crash-looping", "CrashLoopBackOff": "pod-crash-looping",
                               "Evicted": "pod-evicted"}  # fmt: skip
QUIET_RULES = frozenset(POD_REASONS.values())


def at_least(severity: str, minimum: str) -> bool:
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[minimum]
