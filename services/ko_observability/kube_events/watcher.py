"""The Kubernetes-event watcher: every running cluster's Events (core v1, all namespaces) listed, then
watched from the list's resourceVersion with bookmarks, shared among the service's replicas.

Guarantees:
- One replica watches a cluster at a time: it holds the lease on the cluster's ``kube_event_watches``
  row (claimed by a statement one watcher alone can win), renews it every third of its length while
  it watches, and writes only while the row names it. A dead replica's clusters are taken over when
  their leases lapse; a replica that loses a lease stops that watch at its next write or renewal.
- Nothing lost, nothing stored twice: the resourceVersion a watch resumes from is stored in the same
  transaction as the events (and bookmarks) before it, so a restart or a dropped watch resumes exactly
  there. A resourceVersion the API server no longer has (410 Gone/Expired) makes a relist: the list's
  objects are upserted by uid (an unchanged resourceVersion is skipped), then the watch goes on from
  the list's resourceVersion. What was created and deleted in the cluster while its history was
  compacted away is not seen; Kubernetes offers no way to see it.
- Bounded: at most ``max_clusters`` watches per replica; a failing cluster retries after a backoff
  doubling from ``backoff_seconds`` to ``backoff_max_seconds``, and never delays another cluster.
  Events read together are written together (up to ``batch`` per transaction).
- Retention: every ``prune_interval_seconds`` the clusters this replica watches, and those nobody
  watches, keep the events of their last ``retention_hours`` and at most ``max_per_cluster``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from ko_common.db import Database, utcnow
from ko_common.kubeclient import kube_client
from ko_common.logging import log_fields
from ko_observability.access import AccessSource, KubeconfigCache, replica_name
from ko_observability.kube_events import service
from ko_observability.kube_events.repository import KubeEventRepository, WatchRepository
from ko_observability.kube_events.service import WarningBudget

log = logging.getLogger(__name__)
PATH = "/api/v1/events"
_END = object()


@dataclass(frozen=True)
class WatchPolicy:
    max_clusters: int = 200
    timeout_seconds: float = 10.0  # connecting and each list page
    watch_seconds: int = 300  # the API server ends each watch after this; it is then resumed
    lease_seconds: float = 60.0
    backoff_seconds: float = 1.0
    backoff_max_seconds: float = 60.0
    retention_hours: float = 72.0
    max_per_cluster: int = 20_000
    prune_interval_seconds: float = 300.0
    warnings_per_minute: int = 30
    page: int = 500
    batch: int = 500
    access_cache_seconds: float = 600.0
    claim_interval_seconds: float = 5.0


class Gone(Exception):
    """The API server no longer has the resourceVersion (410): list again."""


class LeaseLost(Exception):
    """Another replica watches the cluster now."""


class KubeEventWatcher:
    def __init__(self, db: Database, access: AccessSource, policy: WatchPolicy, name: str | None = None) -> None:
        self.db = db
        self.policy = policy
        self.name = name or replica_name()
        self.kubeconfigs = KubeconfigCache(access, policy.access_cache_seconds)
        self.watches: dict[str, asyncio.Task[None]] = {}
        self.budgets: dict[str, WarningBudget] = {}
        self.lists: dict[str, int] = {}  # lists made per cluster by this watcher (the first and each relist)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.policy.lease_seconds)

    async def run(self) -> None:
        pruned = 0.0
        try:
            while True:
                try:
                    await self.tick()
                    if time.monotonic() - pruned >= self.policy.prune_interval_seconds:
                        await self.prune()
                        pruned = time.monotonic()
                except Exception as exc:  # noqa: BLE001 - the loop must outlive a database hiccup
                    log.warning("kube-event watcher: %s; trying again", type(exc).__name__)
                await asyncio.sleep(min(self.policy.claim_interval_seconds, self.policy.lease_seconds / 3))
        finally:
            await self.stop()

    async def tick(self) -> None:
        """Renew the leases of the watches that run, stop those lost, start watches of free clusters."""
        for cluster_id in [c for c, t in self.watches.items() if t.done()]:
            del self.watches[cluster_id]
        now = utcnow()
        async with self.db.transaction() as session:
            kept = await WatchRepository(session).renew(list(self.watches), now + self.lease, self.name)
        for cluster_id in set(self.watches) - kept:  # taken over, or the cluster stopped running
            self.watches.pop(cluster_id).cancel()
        free = self.policy.max_clusters - len(self.watches)
        if free <= 0:
            return
        async with self.db.transaction() as session:
            candidates = await WatchRepository(session).candidates(now, free * 2)
        for cluster_id, project_id in candidates:
            if len(self.watches) >= self.policy.max_clusters:
                break
            async with self.db.transaction() as session:
                won = await WatchRepository(session).claim(cluster_id, utcnow(), utcnow() + self.lease, self.name)
            if won:
                self.watches[cluster_id] = asyncio.create_task(
                    self._watch(cluster_id, project_id), name=f"kube-events-{cluster_id}"
                )

    async def stop(self) -> None:
        """Stop every watch and give its lease back, so another replica takes over at once."""
        tasks = list(self.watches.items())
        self.watches.clear()
        for _, task in tasks:
            task.cancel()
        await asyncio.gather(*(t for _, t in tasks), return_exceptions=True)
        with contextlib.suppress(Exception):
            async with self.db.transaction() as session:
                for cluster_id, _ in tasks:
                    await WatchRepository(session).release(cluster_id, self.name)

    async def prune(self) -> int:
        policy, now = self.policy, utcnow()
        cutoff = now - timedelta(hours=policy.retention_hours)
        async with self.db.transaction() as session:
            ids = await WatchRepository(session).prunable(self.name, now)
        removed = 0
        for cluster_id in ids:
            async with self.db.transaction() as session:
                removed += await KubeEventRepository(session).prune(cluster_id, cutoff, policy.max_per_cluster)
        if removed:
            log.info("kube events pruned", extra=log_fields(removed=removed, clusters=len(ids)))
        return removed

    # --- one cluster --------------------------------------------------------------------------

    async def _watch(self, cluster_id: str, project_id: str) -> None:
        backoff = self.policy.backoff_seconds
        while True:
            try:
                kubeconfig = await self.kubeconfigs.get(cluster_id)
                async with kube_client(kubeconfig, timeout=self.policy.timeout_seconds) as http:
                    await self._follow(http, cluster_id, project_id)
                backoff = self.policy.backoff_seconds
            except LeaseLost:
                log.info("kube events: cluster %s watched by another replica now", cluster_id)
                return
            except Exception as exc:  # noqa: BLE001 - whatever failed, the cluster is tried again later
                self.kubeconfigs.forget(cluster_id)
                error = f"{type(exc).__name__}: {exc}"[:500]
                log.warning("kube events of cluster %s: %s; again in %.1f s", cluster_id, error, backoff)
                with contextlib.suppress(Exception):
                    await self._store(cluster_id, project_id, [], None, error=error)
                await asyncio.sleep(backoff * random.uniform(0.8, 1.2))  # jitter: replicas do not retry in step
                backoff = min(backoff * 2, self.policy.backoff_max_seconds)

    async def _follow(self, http: httpx.AsyncClient, cluster_id: str, project_id: str) -> None:
        """List if there is no position (or it is too old), then watch until the API server ends the watch."""
        async with self.db.transaction() as session:
            row = await WatchRepository(session).held(cluster_id, self.name)
            if row is None:
                raise LeaseLost
            rv = row.resource_version
        while True:
            if rv is None:
                rv = await self._list(http, cluster_id, project_id)
            try:
                await self._stream(http, cluster_id, project_id, rv)
                return
            except Gone:
                log.info("kube events of cluster %s: resourceVersion %s too old, listing again", cluster_id, rv)
                rv = None

    async def _list(self, http: httpx.AsyncClient, cluster_id: str, project_id: str) -> str:
        """Every Event of the cluster upserted page by page; the list's resourceVersion, stored last."""
        params: dict[str, str] = {"limit": str(self.policy.page)}
        list_rv: str | None = None
        while True:
            r = await http.get(PATH, params=params)
            r.raise_for_status()
            body = r.json()
            list_rv = list_rv or str(body["metadata"]["resourceVersion"])
            items = [o for o in map(service.observed, body.get("items") or []) if o is not None]
            more = body["metadata"].get("continue")
            # The position is stored with the last page only: a list cut short starts over.
            await self._store(cluster_id, project_id, items, None if more else list_rv, listed=not more)
            if not more:
                self.lists[cluster_id] = self.lists.get(cluster_id, 0) + 1
                return list_rv
            params["continue"] = more

    async def _stream(self, http: httpx.AsyncClient, cluster_id: str, project_id: str, rv: str) -> None:
        params = {"watch": "1", "resourceVersion": rv, "allowWatchBookmarks": "true",
                  "timeoutSeconds": str(self.policy.watch_seconds)}  # fmt: skip
        # A read may wait a whole watch; beyond it the connection is dead (the server would have ended it).
        timeout = httpx.Timeout(self.policy.timeout_seconds, read=self.policy.watch_seconds + 30.0)
        async with http.stream("GET", PATH, params=params, timeout=timeout) as r:
            if r.status_code == 410:
                raise Gone
            r.raise_for_status()
            queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=self.policy.batch * 4)
            reader = asyncio.create_task(_read(r, queue))
            try:
                while await self._write_batch(cluster_id, project_id, queue):
                    pass
            finally:
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)

    async def _write_batch(self, cluster_id: str, project_id: str, queue: asyncio.Queue[Any]) -> bool:
        """Store what the watch delivered so far (waiting for one item); False once the watch ended."""
        got = [await queue.get()]
        while len(got) < self.policy.batch and not queue.empty():
            got.append(queue.get_nowait())
        items: list[service.Observed] = []
        rv: str | None = None
        ended: BaseException | bool = False
        for item in got:
            if item is _END:
                ended = True
                break
            if isinstance(item, BaseException):
                ended = item
                break
            kind, obj = item.get("type"), item.get("object") or {}
            if kind == "ERROR":
                code = obj.get("code")
                ended = Gone() if code == 410 else RuntimeError(f"watch error {code}: {obj.get('message')}")
                break
            if kind in ("ADDED", "MODIFIED") and (o := service.observed(obj)) is not None:
                items.append(o)
            rv = str((obj.get("metadata") or {}).get("resourceVersion") or rv or "") or None  # BOOKMARK, DELETED too
        if items or rv is not None:
            await self._store(cluster_id, project_id, items, rv)
        if isinstance(ended, BaseException):
            raise ended
        return not ended

    async def _store(
        self,
        cluster_id: str,
        project_id: str,
        items: list[service.Observed],
        rv: str | None,
        *,
        listed: bool = False,
        error: str = "",
    ) -> None:
        """Events and the position after them, in one transaction, only while this watcher holds the lease."""
        budget = self.budgets.setdefault(cluster_id, WarningBudget(self.policy.warnings_per_minute))
        async with self.db.transaction() as session:
            row = await WatchRepository(session).held(cluster_id, self.name)
            if row is None:
                raise LeaseLost
            await service.apply(session, cluster_id, project_id, items, budget)
            if listed and row.resource_version is not None:
                row.relists += 1
            if rv is not None:
                row.resource_version = rv
            row.last_error, row.updated_at = error, utcnow()


async def _read(response: httpx.Response, queue: asyncio.Queue[Any]) -> None:
    """The watch's JSON lines into ``queue``; then _END, or the exception that cut the stream."""
    try:
        async for line in response.aiter_lines():
            if line.strip():
                await queue.put(json.loads(line))
        await queue.put(_END)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - handed to the writer, which raises it in the watch's task
        await queue.put(exc)
