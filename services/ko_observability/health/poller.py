"""The health poller: checks every running cluster once per interval, shared among the service's replicas.

Guarantees:
- One check per cluster per interval over all replicas: a poller checks only the clusters whose row
  it leased (``lease_until``, ``leased_by``, claimed by a conditional UPDATE that one poller alone can
  win), and a verdict is stored only by the lease's holder. A replica that dies mid-check holds its
  clusters until the lease ends (twice the timeout plus 30 s); another one checks them then.
- A slow or dead cluster delays no other: each check (the kubeconfig from the deployment service, then
  the API server's answers) is cut at ``timeout_seconds`` and gives an unreachable verdict, and up to
  ``concurrency`` checks run at once, a free slot taking the next due cluster at once.
- The admin kubeconfig is kept in memory for ``access_cache_seconds`` (each fetch is an audited grant
  in the deployment service) and fetched again after any failed check, so a moved API server or a
  renewed certificate is picked up by the next check. It is never written to disk, logs or events
  (``ko_common.kubeclient`` removes the key file it needs at once).
- When the deployment service cannot hand the kubeconfig out, nothing is said about the cluster (its
  last verdict stays) and the check is retried at the next interval.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ko_common.cluster_access import ClusterAccessError
from ko_common.db import Database, utcnow
from ko_common.kubeclient import KubeconfigInvalid, kube_client
from ko_common.logging import log_fields
from ko_observability.access import AccessSource, KubeconfigCache, replica_name
from ko_observability.health import service
from ko_observability.health.facts import FactsPolicy
from ko_observability.health.probe import Finding, Verdict, probe, unreachable
from ko_observability.health.repository import HealthRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HealthPolicy:
    interval_seconds: float = 30.0
    timeout_seconds: float = 5.0
    concurrency: int = 20
    access_cache_seconds: float = 600.0
    facts: FactsPolicy = field(default_factory=FactsPolicy)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.timeout_seconds * 2 + 30)


class HealthPoller:
    def __init__(self, db: Database, access: AccessSource, policy: HealthPolicy, name: str | None = None) -> None:
        self.db = db
        self.access = access
        self.policy = policy
        self.name = name or replica_name()
        self.checked: deque[str] = deque(maxlen=10_000)  # the clusters it checked last, in order
        self.kubeconfigs = KubeconfigCache(access, policy.access_cache_seconds)

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
                delay = await self._until_next()
            except Exception as exc:  # noqa: BLE001 - the loop must outlive a database hiccup
                log.warning("health poller: %s; trying again", type(exc).__name__)
                delay = 1.0
            await asyncio.sleep(delay)

    async def tick(self) -> int:
        """Check every cluster that is due and claimable now; how many this poller checked."""
        running: set[asyncio.Task[None]] = set()
        done_count, exhausted = 0, False
        while True:
            free = self.policy.concurrency - len(running)
            if not exhausted and free > 0:
                ids = await self._claim(free)
                exhausted = ids is None
                running |= {asyncio.create_task(self._check(i), name=f"health-{i}") for i in ids or ()}
            if not running:
                if exhausted:
                    return done_count
                continue  # every candidate went to another poller: look again
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            done_count += len(done)

    async def _until_next(self) -> float:
        async with self.db.transaction() as session:
            upcoming = await HealthRepository(session).next_due()
        if upcoming is None:
            return self.policy.interval_seconds
        return min(self.policy.interval_seconds, max(0.05, (upcoming - utcnow()).total_seconds()))

    async def _claim(self, limit: int) -> list[str] | None:
        """Up to ``limit`` clusters leased to this poller; None when no cluster is due and free."""
        now = utcnow()
        async with self.db.transaction() as session:
            repo = HealthRepository(session)
            # More candidates than slots: other pollers may win some of them meanwhile.
            ids = await repo.due_ids(now, limit * 4)
            if not ids:
                return None
            return await repo.claim(ids, now, now + self.policy.lease, self.name, limit)

    async def _check(self, cluster_id: str) -> None:
        started = utcnow()
        verdict = await self.verdict(cluster_id)
        self.checked.append(cluster_id)
        try:
            await self._store(cluster_id, verdict, started)
        except Exception as exc:  # noqa: BLE001 - the lease ends; the next interval checks again
            log.warning("health of cluster %s not stored: %s", cluster_id, type(exc).__name__)

    async def verdict(self, cluster_id: str) -> Verdict | None:
        """The cluster's verdict, within the timeout; None when the deployment service gave no kubeconfig."""
        timeout = self.policy.timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                kubeconfig = await self.kubeconfigs.get(cluster_id)
                async with kube_client(kubeconfig, timeout=timeout) as http:
                    result = await probe(http)
        except ClusterAccessError as exc:
            log.warning("health: no kubeconfig for cluster %s: %s", cluster_id, exc)
            return None
        except KubeconfigInvalid as exc:
            self.kubeconfigs.forget(cluster_id)
            message = f"The cluster's admin kubeconfig cannot be used: {exc}."
            return Verdict("degraded", [Finding("kubeconfig-invalid", None, message)])
        except Exception as exc:  # noqa: BLE001 - whatever stopped the answer, the cluster did not answer
            self.kubeconfigs.forget(cluster_id)
            log.debug("health: cluster %s unreachable (%s)", cluster_id, type(exc).__name__)
            return unreachable(exc, timeout)
        if result.state != "healthy":
            self.kubeconfigs.forget(cluster_id)
        return result

    async def _store(self, cluster_id: str, verdict: Verdict | None, started: datetime) -> None:
        async with self.db.transaction() as session:
            row = await HealthRepository(session).locked(cluster_id)
            if row is None or row.leased_by != self.name:
                return  # our lease ended and another poller holds it (or the cluster stopped running)
            now = utcnow()
            if verdict is not None:
                await service.record(session, row, verdict, now, self.policy.facts)
            row.due_at = started + timedelta(seconds=self.policy.interval_seconds)
            row.lease_until = row.leased_by = None
            await session.flush()
        if verdict is not None:
            log.debug("health checked", extra=log_fields(cluster_id=cluster_id, state=verdict.state))
