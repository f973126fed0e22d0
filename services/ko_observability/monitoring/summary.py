"""The console's monitoring figures of one cluster: CPU, memory and running pods over a time range, for the
cluster and per node, each a Prometheus range query through the cluster's API server.

The metric names are those kube-prometheus-stack ships:
- node-exporter: ``node_cpu_seconds_total`` (a core per ``mode="idle"`` series; used = every mode but
  idle, iowait and steal), ``node_memory_MemTotal_bytes``, ``node_memory_MemAvailable_bytes``;
- kube-state-metrics: ``kube_pod_info`` (the pod's ``node``), ``kube_pod_status_phase{phase="Running"}``.
Node-exporter's series are given their node's name through kube_pod_info on ``namespace``/``pod`` (the
labels the stack's ServiceMonitor adds), as the stack's own ``node:`` recording rules do, so they do not
depend on how ``instance`` is relabelled.

A figure Prometheus has no data for (an exporter not scraped, a cluster without node-exporter) is an
empty series and is named in ``missing``; the other figures still answer. Any query refused by
Prometheus, or Prometheus not answering, fails the whole summary with the proxy's typed error.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from ko_common.errors import InvalidInput, UpstreamError
from ko_observability.monitoring import upstream
from ko_observability.monitoring.schemas import Figures, MonitoringSummary, NodeFigures, Point
from ko_observability.monitoring.service import MonitoringPolicy

MAX_POINTS = 11_000  # Prometheus refuses a range query of more points per series
FIGURES = ("cpu_used_cores", "cpu_cores", "memory_used_bytes", "memory_total_bytes", "pods")
_POD_NODE = 'topk by (namespace, pod) (1, max by (node, namespace, pod) (kube_pod_info{node!=""}))'
_ON_NODE = f" * on (namespace, pod) group_left (node) {_POD_NODE}"
_BUSY = 'node_cpu_seconds_total{mode!~"idle|iowait|steal"}'


def queries(window: str) -> dict[tuple[str, str], str]:
    """PromQL of each (scope, figure); ``window`` is the rate's range, e.g. ``5m``."""
    cluster = {
        "cpu_used_cores": f"sum(rate({_BUSY}[{window}]))",
        "cpu_cores": 'count(node_cpu_seconds_total{mode="idle"})',
        "memory_used_bytes": "sum(node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes)",
        "memory_total_bytes": "sum(node_memory_MemTotal_bytes)",
        "pods": 'sum(kube_pod_status_phase{phase="Running"} == 1)',
    }
    node = {
        "cpu_used_cores": f"sum by (node) (sum without (mode) (rate({_BUSY}[{window}])){_ON_NODE})",
        "cpu_cores": f'count by (node) (node_cpu_seconds_total{{mode="idle"}}{_ON_NODE})',
        "memory_used_bytes": f"sum by (node) ((node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes){_ON_NODE})",
        "memory_total_bytes": f"sum by (node) (node_memory_MemTotal_bytes{_ON_NODE})",
        "pods": f'count by (node) ((kube_pod_status_phase{{phase="Running"}} == 1){_ON_NODE})',
    }
    return {("cluster", k): v for k, v in cluster.items()} | {("node", k): v for k, v in node.items()}


def check_range(minutes: int, step: int) -> None:
    points = minutes * 60 // step
    if points > MAX_POINTS:
        problem = f"{minutes} minutes at a {step} s step is {points} points; Prometheus answers at most {MAX_POINTS}"
        raise InvalidInput.many(
            [("minutes", f"{problem}: ask for fewer minutes"), ("step", f"{problem}: or a larger step")]
        )


async def summary(
    http: httpx.AsyncClient, cluster_id: str, policy: MonitoringPolicy, minutes: int, step: int
) -> MonitoringSummary:
    check_range(minutes, step)
    end = math.floor(time.time() / step) * step  # aligned, so that successive calls share their points
    start = end - minutes * 60
    window = f"{max(300, 2 * step)}s"  # several scrapes (30 s in the stack) even at a small step
    asked = queries(window)

    async def run(expr: str) -> list[dict[str, Any]]:
        params = [("query", expr), ("start", str(start)), ("end", str(end)), ("step", str(step))]
        answer = await upstream.send(
            http, cluster_id, policy.prometheus, "GET", "api/v1/query_range", params=params,
            max_bytes=policy.max_response_bytes,
        )  # fmt: skip
        return _matrix(answer, expr)

    results = await asyncio.gather(*(run(expr) for expr in asked.values()))
    got = dict(zip(asked, results, strict=True))
    cluster = Figures(**{f: _points(got["cluster", f][0]) if got["cluster", f] else [] for f in FIGURES})
    nodes: dict[str, dict[str, list[Point]]] = {}
    for figure in FIGURES:
        for series in got["node", figure]:
            name = str(series.get("metric", {}).get("node") or "")
            if name:
                nodes.setdefault(name, {})[figure] = _points(series)
    return MonitoringSummary(
        cluster_id=cluster_id,
        start=datetime.fromtimestamp(start, UTC),
        end=datetime.fromtimestamp(end, UTC),
        minutes=minutes,
        step_seconds=step,
        cluster=cluster,
        nodes=[NodeFigures(node=name, **figures) for name, figures in sorted(nodes.items())],
        missing=[f for f in FIGURES if not getattr(cluster, f)],
    )


def _matrix(answer: upstream.Answer, expr: str) -> list[dict[str, Any]]:
    try:
        body = json.loads(answer.body)
    except ValueError:
        body = None
    if answer.status != 200 or not isinstance(body, dict) or body.get("status") != "success":
        said = body.get("error") if isinstance(body, dict) else answer.body[:200].decode(errors="replace")
        raise UpstreamError(f"Prometheus refused the summary's query `{expr}` (HTTP {answer.status}): {said}")
    result = (body.get("data") or {}).get("result") or []
    return [s for s in result if isinstance(s, dict)]


def _points(series: dict[str, Any]) -> list[Point]:
    out = []
    for at, value in series.get("values") or []:
        number = float(value)
        if math.isfinite(number):
            out.append((float(at), number))
    return out
