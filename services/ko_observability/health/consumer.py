"""Learning the clusters from the deployment service's events (``ko.deployment.cluster.*`` on KO_EVENTS).

Why events rather than asking the deployment service for a list: no such list is served to services,
and a local table is what the poller's leases need anyway (replicas claim rows of it). The durable
consumer starts at the beginning of the stream, so a new observability service learns every cluster
announced within the stream's retention (KO_EVENTS_MAX_AGE_DAYS); a cluster whose last event is older
appears with its next event (any status change, node change or certificate check). Each event is
applied once (see ``ko_common.bus``), and applying is order-tolerant (an older event than the one
applied changes nothing).

The same consumer takes the certificate checks' soonest expiry (``certificates-checked``), and a second
one the backup service's backups and strategies (``ko.backup.>``): facts the next check judges
(health/facts.py).

The durables are named after the database they fill, as inventory's projects consumer is: replicas
sharing a database share a consumer, another database gets one of its own that reads from the stream's
start.
"""

from __future__ import annotations

import dataclasses
import logging

from nats.js.api import DeliverPolicy
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.bus import ConsumerSpec
from ko_common.db import database_identity, utcnow
from ko_common.events import Envelope
from ko_common.logging import log_fields
from ko_observability.health import service
from ko_observability.health.schemas import BackupSeen, CertificatesChecked, ClusterAnnounced

log = logging.getLogger(__name__)

DURABLE = "observability-clusters"
SUBJECTS = "ko.deployment.cluster.*"
LIFECYCLE = {
    "kubeoperator.deployment.cluster.created.v1": False,
    "kubeoperator.deployment.cluster.updated.v1": False,
    "kubeoperator.deployment.cluster.deleted.v1": True,  # True: the cluster is gone
}


CERTIFICATES_CHECKED = "kubeoperator.deployment.cluster.certificates-checked.v1"
BACKUP_DURABLE = "observability-backups"
BACKUP_SUBJECTS = "ko.backup.>"
BACKUP_FINISHED = {
    "kubeoperator.backup.backup.succeeded.v1": True,
    "kubeoperator.backup.backup.failed.v1": False,
}
STRATEGY = {"kubeoperator.backup.strategy.updated.v1": True, "kubeoperator.backup.strategy.deleted.v1": False}


async def on_cluster_event(session: AsyncSession, env: Envelope) -> None:
    if env.type == CERTIFICATES_CHECKED:
        checked = CertificatesChecked.model_validate(env.data)
        soonest = checked.soonest
        expires, what = (soonest.not_after, f"{soonest.path} on {soonest.node}") if soonest else (None, None)
        await service.certificates_checked(session, checked.cluster_id, expires, what, env.time)
        return
    deleted = LIFECYCLE.get(env.type)
    if deleted is None:  # access audits, certificate notices: not about which clusters exist
        return
    cluster = ClusterAnnounced.model_validate(env.data)
    await service.announce(
        session, cluster.id, cluster.project_id, cluster.name, cluster.status, env.time, utcnow(), deleted=deleted
    )
    log.debug("cluster %s", env.type.split(".")[-2], extra=log_fields(cluster_id=cluster.id, status=cluster.status))


CONSUMER = ConsumerSpec(
    durable=DURABLE,
    filter_subject=SUBJECTS,
    handler=on_cluster_event,
    deliver_policy=DeliverPolicy.ALL,
    inactive_threshold=7 * 24 * 3600.0,  # order-tolerant handler: a consumer removed while away replays
)


async def on_backup_event(session: AsyncSession, env: Envelope) -> None:
    if env.type in BACKUP_FINISHED:
        seen = BackupSeen.model_validate(env.data)
        await service.backup_finished(session, seen.cluster_id, BACKUP_FINISHED[env.type], env.time)
    elif env.type in STRATEGY:
        seen = BackupSeen.model_validate(env.data)
        await service.backup_schedule(session, seen.cluster_id, STRATEGY[env.type] and seen.enabled, env.time)


BACKUP_CONSUMER = ConsumerSpec(
    durable=BACKUP_DURABLE,
    filter_subject=BACKUP_SUBJECTS,
    handler=on_backup_event,
    deliver_policy=DeliverPolicy.ALL,
    inactive_threshold=7 * 24 * 3600.0,
)


def consumer_for(database_url: str) -> ConsumerSpec:
    """CONSUMER with a durable name of its own for the database at ``database_url``."""
    return dataclasses.replace(CONSUMER, durable=f"{DURABLE}-{database_identity(database_url)}")


def backup_consumer_for(database_url: str) -> ConsumerSpec:
    return dataclasses.replace(BACKUP_CONSUMER, durable=f"{BACKUP_DURABLE}-{database_identity(database_url)}")
