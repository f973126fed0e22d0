"""The deployment service's operations, their phases and their task events (columns: the shared engine's)."""

from __future__ import annotations

from ko_common.operations.models import (
    ACTIVE,
    OPERATION_STATUSES,
    PHASE_STATUSES,
    TERMINAL,
    OperationEventMixin,
    OperationMixin,
    OperationPhaseMixin,
    OperationTables,
)
from ko_deployment.models import Base

TERMINAL_STATUSES = TERMINAL
__all__ = ["ACTIVE", "OPERATION_STATUSES", "PHASE_STATUSES", "TABLES", "TERMINAL_STATUSES"]


class Operation(OperationMixin, Base):
    __tablename__ = "operations"


class OperationPhase(OperationPhaseMixin, Base):
    __tablename__ = "operation_phases"


class OperationEvent(OperationEventMixin, Base):
    __tablename__ = "operation_events"


TABLES = OperationTables(Operation, OperationPhase, OperationEvent)
