"""Compliance runs of a cluster: the node check (an operation) and uploaded Sonobuoy results.

A node check is a `compliance-check` operation on a running, idle cluster (409 otherwise, as every
Day-2 operation); its run is stored at once (status running) and the kind's effect completes it in
the operation's own transaction: on success the facts each node's role wrote
(`<artifacts>/compliance/<node>.json`) are judged by `benchmark.evaluate`; a failed or cancelled
operation leaves the run failed with the reason. Uploaded Sonobuoy results are parsed
(`sonobuoy.read`, off the event loop) and stored as a finished run with their JUnit file. Every
finished run sends `ko.deployment.compliance.completed` (counts only). A run is shown with the items
whose status changed since the previous finished run of the same kind on the same cluster.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.db import utcnow
from ko_common.errors import NotFound
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_common.operations.kinds import KindRegistry, KindRequest, OperationKind, PhaseDef
from ko_common.repository import Page
from ko_deployment.clusters import events as cluster_events
from ko_deployment.clusters import validation
from ko_deployment.clusters.phases import phases_of
from ko_deployment.clusters.scaling import ready_for_change
from ko_deployment.clusters.schemas import ClusterEvent
from ko_deployment.clusters.service import Context, get, operation_ref, operation_spec
from ko_deployment.compliance import benchmark, events, sonobuoy
from ko_deployment.compliance.models import ComplianceJunit, ComplianceRun
from ko_deployment.compliance.repository import ComplianceRunRepository
from ko_deployment.compliance.schemas import (
    ComplianceCompleted,
    ComplianceItem,
    ComplianceRunDetail,
    ComplianceRunOut,
    ComplianceRunStarted,
    ItemChange,
)
from ko_deployment.operations import service as operations

log = logging.getLogger(__name__)
KIND = "compliance-check"
ARTIFACTS = "compliance"


def register(kinds: KindRegistry, playbooks_dir: Path) -> None:
    def phases(_: KindRequest) -> list[PhaseDef]:
        return phases_of(playbooks_dir, KIND)

    # No transitions: a read-only check leaves the cluster's status and message as they are.
    kinds.register(
        OperationKind(
            KIND,
            phases=phases,
            effect=store_node_check,
            description="Check every node against the CIS Kubernetes Benchmark (files, owners, process flags).",
        )
    )


async def start(session: AsyncSession, identity: Identity, cluster_id: str, ctx: Context) -> ComplianceRunStarted:
    cluster = await get(session, identity, cluster_id, write=True)
    await ready_for_change(session, cluster, "a compliance check runs")
    package = await validation.ready_package(session, cluster.version, cluster.arch)
    spec = operation_spec(cluster, package.manifest if package else {}, ctx.repository_url)
    spec["extravars"]["ko_compliance"] = benchmark.gather_vars()
    op = await operations.create(
        session, project_id=cluster.project_id, cluster_id=cluster.id, kind=KIND, spec=spec,
        created_by=identity.username,
    )  # fmt: skip
    cluster.current_operation_id = op.id
    run = ComplianceRun(cluster_id=cluster.id, project_id=cluster.project_id, kind="node-check", status="running",
                        operation_id=op.id, items=[], created_by=identity.username)  # fmt: skip
    await ComplianceRunRepository(session).add(run)
    await emit(session, cluster_events.UPDATED, ClusterEvent.of(cluster), subject_id=cluster.id,
               project_id=cluster.project_id)  # fmt: skip
    log.info("compliance check queued", extra=log_fields(cluster_id=cluster.id, operation_id=op.id, run_id=run.id))
    ref = await operation_ref(session, cluster)
    assert ref is not None
    return ComplianceRunStarted(**ComplianceRunOut.of(run).model_dump(by_alias=True), operation=ref)


def read_facts(artifacts: Path) -> dict[str, dict[str, Any]]:
    """Node name -> the facts its role wrote (files that are not a JSON object are left out)."""
    nodes = {}
    for path in sorted((artifacts / ARTIFACTS).glob("*.json")):
        try:
            raw = json.loads(path.read_text())
        except (OSError, ValueError):
            log.warning("compliance facts unreadable", extra=log_fields(node=path.stem))
            continue
        if isinstance(raw, dict):
            nodes[path.stem] = raw
    return nodes


async def store_node_check(session: AsyncSession, op: Any, artifacts: Path | None) -> None:
    """The effect of compliance-check: the run started, or judged from the facts, or failed with the reason."""
    run = await ComplianceRunRepository(session).by_operation(op.id)
    if run is None or run.status != "running":
        return
    if op.status == "running":
        run.started_at = op.started_at or utcnow()
        await session.flush()
        return
    if op.status not in ("succeeded", "failed", "cancelled"):
        return
    nodes = read_facts(artifacts) if artifacts is not None and op.status == "succeeded" else {}
    if op.status == "succeeded" and nodes:
        _fill(run, benchmark.evaluate(nodes))
        run.status = "succeeded"
    else:
        run.status = "failed"
        if op.status == "succeeded":
            message = "No node handed over its facts: retry the check."
        elif op.status == "cancelled":
            message = "The compliance-check operation was cancelled."
        else:
            message = (op.failure or {}).get("message") or "The compliance-check operation failed."
        run.message = message[:1024]
    run.started_at = run.started_at or op.started_at
    run.ended_at = op.ended_at or utcnow()
    await session.flush()
    await _completed(session, run)


def _fill(run: ComplianceRun, items: list[ComplianceItem]) -> None:
    counts = {s: sum(1 for i in items if i.status == s) for s in ("pass", "fail", "warn", "skip")}
    run.passed, run.failed, run.warned, run.skipped = counts["pass"], counts["fail"], counts["warn"], counts["skip"]
    run.items = [i.model_dump(mode="json") for i in items]


async def _completed(session: AsyncSession, run: ComplianceRun) -> None:
    out = ComplianceRunOut.of(run)
    await emit(
        session, events.COMPLETED,
        ComplianceCompleted(run_id=run.id, cluster_id=run.cluster_id, project_id=run.project_id, kind=out.kind,
                            status=out.status, summary=out.summary),
        subject_id=run.cluster_id, project_id=run.project_id,
    )  # fmt: skip
    log.info("compliance run finished", extra=log_fields(cluster_id=run.cluster_id, run_id=run.id, kind=run.kind,
                                                         status=run.status, failed=run.failed))  # fmt: skip


async def upload_sonobuoy(session: AsyncSession, identity: Identity, cluster_id: str, data: bytes) -> ComplianceRunOut:
    """Sonobuoy's results archive parsed and stored as a finished run of kind sonobuoy (422 naming `file`)."""
    cluster = await get(session, identity, cluster_id, write=True)
    results = await asyncio.to_thread(sonobuoy.read, data)
    now = utcnow()
    run = ComplianceRun(cluster_id=cluster.id, project_id=cluster.project_id, kind="sonobuoy", status="succeeded",
                        started_at=results.started_at or now, ended_at=results.ended_at or now,
                        created_by=identity.username)  # fmt: skip
    _fill(run, results.items)
    repo = ComplianceRunRepository(session)
    await repo.add(run)
    if results.junit is not None:
        # The name goes into a Content-Disposition header: the archive's own, made safe.
        filename = re.sub(r"[^A-Za-z0-9._-]", "_", results.junit_name or "junit.xml")[:100]
        await repo.add_junit(ComplianceJunit(run_id=run.id, filename=filename, content=results.junit))
    await _completed(session, run)
    return ComplianceRunOut.of(run)


async def list_runs(
    session: AsyncSession, identity: Identity, cluster_id: str, limit: int, offset: int
) -> Page[ComplianceRunOut]:
    cluster = await get(session, identity, cluster_id)
    runs, total = await ComplianceRunRepository(session).of_cluster(cluster.id, limit, offset)
    return Page[ComplianceRunOut](items=[ComplianceRunOut.of(r) for r in runs], total=total, limit=limit,
                                  offset=offset)  # fmt: skip


async def _run(session: AsyncSession, identity: Identity, cluster_id: str, run_id: str) -> ComplianceRun:
    cluster = await get(session, identity, cluster_id)
    run = await ComplianceRunRepository(session).get(run_id)
    if run is None or run.cluster_id != cluster.id:
        raise NotFound(f"No compliance run {run_id} of cluster {cluster.name}.", field="run_id")
    return run


async def detail(session: AsyncSession, identity: Identity, cluster_id: str, run_id: str) -> ComplianceRunDetail:
    run = await _run(session, identity, cluster_id, run_id)
    repo = ComplianceRunRepository(session)
    items = [ComplianceItem.model_validate(i) for i in run.items or []]
    previous = await repo.previous(run) if run.status == "succeeded" else None
    changes = compare([ComplianceItem.model_validate(i) for i in previous.items or []], items) if previous else []
    return ComplianceRunDetail(
        **ComplianceRunOut.of(run).model_dump(by_alias=True), items=items,
        previous_run_id=previous.id if previous else None, compared_with_previous=changes,
        has_junit=await repo.has_junit(run.id),
    )  # fmt: skip


def compare(before: list[ComplianceItem], after: list[ComplianceItem]) -> list[ItemChange]:
    """The items whose status differs (or that appeared or went), in this run's order, then those gone."""
    old = {i.key(): i for i in before}
    new = {i.key(): i for i in after}
    changes = []
    for item in after + [i for i in before if i.key() not in new]:
        was, now = old.get(item.key()), new.get(item.key())
        if was is None or now is None or was.status != now.status:
            changes.append(ItemChange(
                id=item.id, title=item.title, group=item.group, node=item.node,
                before=was.status if was else None, after=now.status if now else None,
            ))  # fmt: skip
    return changes


async def junit(session: AsyncSession, identity: Identity, cluster_id: str, run_id: str) -> ComplianceJunit:
    run = await _run(session, identity, cluster_id, run_id)
    found = await ComplianceRunRepository(session).junit(run.id)
    if found is None:
        what = "a node check" if run.kind == "node-check" else "a Sonobuoy run whose archive held none"
        raise NotFound(f"Compliance run {run_id} is {what}: it has no JUnit file.", field="run_id")
    return found
