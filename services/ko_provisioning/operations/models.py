"""The provisioning service's operations, their phases and their task events (columns: the shared engine's).

An operation's `cluster_id` is its workspace's id: one operation at a time per workspace.
"""

from __future__ import annotations

from ko_common.operations.models import OperationEventMixin, OperationMixin, OperationPhaseMixin, OperationTables
from ko_provisioning.models import Base


class Operation(OperationMixin, Base):
    __tablename__ = "operations"


class OperationPhase(OperationPhaseMixin, Base):
    __tablename__ = "operation_phases"


class OperationEvent(OperationEventMixin, Base):
    __tablename__ = "operation_events"


TABLES = OperationTables(Operation, OperationPhase, OperationEvent)
