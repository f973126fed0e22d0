"""Learning the gateway's projects from its events (``ko.gateway.project.*`` on KO_EVENTS).

The durable consumer starts at the beginning of the stream, so a new inventory
learns every project announced since (the gateway announces ``default`` at its
first start); each event is applied once (see ``ko_common.bus``) and the upsert
is idempotent and order-tolerant anyway.

The durable is named after the database it fills: replicas sharing a database
share the consumer (each event reaches one of them), while another database on
the same NATS (a second installation, a new database) gets a consumer of its
own that reads the stream from its start, instead of stealing events.
"""

from __future__ import annotations

import dataclasses
import logging

from nats.js.api import DeliverPolicy
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.bus import ConsumerSpec
from ko_common.db import database_identity
from ko_common.events import Envelope
from ko_common.logging import log_fields
from ko_inventory.projects.repository import ProjectRepository

log = logging.getLogger(__name__)

DURABLE = "inventory-projects"
SUBJECTS = "ko.gateway.project.>"
CREATED = "kubeoperator.gateway.project.created.v1"
UPDATED = "kubeoperator.gateway.project.updated.v1"
DELETED = "kubeoperator.gateway.project.deleted.v1"


class ProjectAnnounced(BaseModel):
    """The part of the gateway's ProjectEvent inventory reads (the contract in docs/events/asyncapi.json)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    name: str


async def on_project_event(session: AsyncSession, env: Envelope) -> None:
    if env.type not in (CREATED, UPDATED, DELETED):
        log.warning("ignoring project event of unknown type %s", env.type, extra=log_fields(event_id=env.id))
        return
    project = ProjectAnnounced.model_validate(env.data)
    await ProjectRepository(session).upsert(project.id, project.name, env.time, deleted=env.type == DELETED)
    log.info("project %s", env.type.split(".")[-2], extra=log_fields(project_id=project.id))


CONSUMER = ConsumerSpec(
    durable=DURABLE,
    filter_subject=SUBJECTS,
    handler=on_project_event,
    deliver_policy=DeliverPolicy.ALL,
    inactive_threshold=7 * 24 * 3600.0,  # idempotent handler: a consumer removed while away replays
)


def consumer_for(database_url: str) -> ConsumerSpec:
    """CONSUMER with a durable name of its own for the database at ``database_url``."""
    return dataclasses.replace(CONSUMER, durable=f"{DURABLE}-{database_identity(database_url)}")
