"""Monitoring: who may reach a cluster's Prometheus and Grafana (readers of the cluster's project, while
the cluster runs), which Prometheus paths pass (its read-only HTTP API), and the cluster's kubeconfig.

Guarantees:
- The cluster's project comes from the cluster_health table (the deployment's events); a cluster of a
  project the caller cannot read is the same 404 as a missing one, and nothing is sent to it.
- The database is read in a short transaction of its own, never held while the cluster answers.
- The admin kubeconfig stays in memory (``KubeconfigCache``) and is forgotten after any failed call, so
  a renewed certificate or a moved API server is picked up by the next call.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from ko_common.cluster_access import ClusterAccessError, ClusterNotDeployed, ClusterNotFound
from ko_common.db import Database
from ko_common.errors import Conflict, Forbidden, NotFound, Unavailable, UpstreamError
from ko_common.identity import Identity
from ko_common.kubeclient import KubeconfigInvalid, kube_client
from ko_observability.access import KubeconfigCache
from ko_observability.health.models import POLLED
from ko_observability.health.repository import HealthRepository
from ko_observability.monitoring.upstream import Target

# Grafana serves from this path (its root_url, with serve_from_sub_path), the public one of our route: it is
# sent whole, so that its pages' links go through the gateway. The monitoring add-on sets the same value.
GRAFANA_SUB_PATH = "api/v1/clusters/{cluster_id}/monitoring/grafana/"

# Prometheus's read-only HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/). Not passed:
# admin/* (snapshots, deleting series), write and OTLP receivers, and status/config (the scrape config).
READ_PATHS = re.compile(
    r"api/v1/(query|query_range|query_exemplars|series|labels|label/[^/]+/values|targets|targets/metadata"
    r"|metadata|rules|alerts|alertmanagers|format_query|status/(buildinfo|runtimeinfo|flags|tsdb|walreplay))"
)
# The ones Prometheus also takes as a POST of a form (long queries, many selectors).
POST_PATHS = re.compile(r"api/v1/(query|query_range|query_exemplars|series|labels|format_query)")


@dataclass(frozen=True)
class MonitoringPolicy:
    namespace: str = "monitoring"
    prometheus_service: str = "ko-monitoring-prometheus"
    prometheus_port: str = "9090"
    grafana_service: str = "ko-monitoring-grafana"
    grafana_port: str = "80"
    timeout_seconds: float = 15.0
    max_response_bytes: int = 32 << 20
    grafana_user_header: str | None = "X-WEBAUTH-USER"

    @classmethod
    def of(cls, settings: Any) -> MonitoringPolicy:
        """From the service's ``monitoring_*`` settings (ObservabilitySettings)."""
        return cls(**{name: getattr(settings, f"monitoring_{name}") for name in cls.__dataclass_fields__})

    @property
    def prometheus(self) -> Target:
        return Target("Prometheus", self.namespace, self.prometheus_service, self.prometheus_port)

    @property
    def grafana(self) -> Target:
        return Target("Grafana", self.namespace, self.grafana_service, self.grafana_port)


def check_prometheus_path(method: str, path: str) -> None:
    allowed = POST_PATHS if method == "POST" else READ_PATHS
    if not allowed.fullmatch(path):
        raise Forbidden(
            f"{method} {path} is not passed to Prometheus: only its read-only HTTP API is reachable here "
            "(api/v1/query, query_range, query_exemplars, series, labels, label/<name>/values, targets, metadata, "
            "rules, alerts, alertmanagers, format_query, status/buildinfo|runtimeinfo|flags|tsdb|walreplay; "
            "POST only for query, query_range, query_exemplars, series, labels, format_query).",
            field="path",
        )


class Monitoring:
    """What the monitoring routes share in one process: the database, the kubeconfigs, the policy."""

    def __init__(self, db: Database, kubeconfigs: KubeconfigCache, policy: MonitoringPolicy) -> None:
        self.db = db
        self.kubeconfigs = kubeconfigs
        self.policy = policy

    async def authorize(self, identity: Identity, cluster_id: str) -> None:
        async with self.db.transaction() as session:
            row = await HealthRepository(session).visible(cluster_id)
            if row is None or not identity.can_read(row.project_id):
                raise NotFound(
                    f"No cluster {cluster_id} whose monitoring you may read: check the id, or ask for access to "
                    "its project.",
                    field="cluster_id",
                )
            name, status = row.name, row.cluster_status
        if status not in POLLED:
            raise Conflict(
                f"Cluster {name} is {status}: its Prometheus and Grafana are reachable while it runs.",
                field="cluster_id",
            )

    @asynccontextmanager
    async def cluster(self, cluster_id: str) -> AsyncIterator[httpx.AsyncClient]:
        """A client of the cluster's API server, as its admin; the kubeconfig is forgotten after a failure."""
        try:
            kubeconfig = await self.kubeconfigs.get(cluster_id)
        except ClusterNotDeployed as exc:
            raise Conflict(f"The cluster has no kubeconfig yet: {exc}", field="cluster_id") from exc
        except ClusterNotFound as exc:
            raise NotFound(f"No such cluster in the deployment service: {exc}", field="cluster_id") from exc
        except ClusterAccessError as exc:
            raise Unavailable(f"The cluster's credentials cannot be had now: {exc}") from exc
        try:
            async with kube_client(kubeconfig, timeout=self.policy.timeout_seconds) as http:
                yield http
        except KubeconfigInvalid as exc:
            self.kubeconfigs.forget(cluster_id)
            raise UpstreamError(f"The cluster's admin kubeconfig cannot be used: {exc}.") from exc
        except UpstreamError:
            self.kubeconfigs.forget(cluster_id)
            raise
