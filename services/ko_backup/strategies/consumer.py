"""A deleted cluster's backup strategy goes with it (``ko.deployment.cluster.deleted`` on KO_EVENTS; the
consumer takes the clusters' events and skips every other type).

Without this the scheduler would keep asking the deployment service to back up a cluster that no
longer exists, failing every tick. The cluster's backups stay: they are the last copy of its data,
deleted by people, not by the cluster's end. The durable is named after the database, as the other
services' consumers are, and reads from the stream's start (deleting a strategy twice changes nothing).
"""

from __future__ import annotations

import dataclasses
import logging

from nats.js.api import DeliverPolicy
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from ko_backup.strategies.repository import StrategyRepository
from ko_backup.strategies.service import delete
from ko_common.bus import ConsumerSpec
from ko_common.db import database_identity
from ko_common.events import Envelope
from ko_common.logging import log_fields

log = logging.getLogger(__name__)

DURABLE = "backup-clusters-deleted"


class ClusterGone(BaseModel):
    """The part of the deployment's ClusterEvent read here (the contract in docs/events/asyncapi.json)."""

    model_config = ConfigDict(extra="ignore")

    id: str


DELETED = "kubeoperator.deployment.cluster.deleted.v1"


async def on_cluster_deleted(session: AsyncSession, env: Envelope) -> None:
    if env.type != DELETED:  # created, updated, access audits: not the end of a cluster
        return
    cluster = ClusterGone.model_validate(env.data)
    if await StrategyRepository(session).get(cluster.id) is None:
        return
    await delete(session, cluster.id)
    log.info("backup strategy of a deleted cluster removed", extra=log_fields(cluster_id=cluster.id))


CONSUMER = ConsumerSpec(
    durable=DURABLE,
    filter_subject="ko.deployment.cluster.*",
    handler=on_cluster_deleted,
    deliver_policy=DeliverPolicy.ALL,
    inactive_threshold=7 * 24 * 3600.0,
)


def consumer_for(database_url: str) -> ConsumerSpec:
    return dataclasses.replace(CONSUMER, durable=f"{DURABLE}-{database_identity(database_url)}")
