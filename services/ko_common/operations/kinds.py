"""Operation kinds are registered, not branched on.

A kind declares, once, everything the engine needs to know about it:
- its phases (each naming its executor and what that executor runs), computed when an operation is
  created and stored with it, so a queued or resumed operation runs what it was planned with;
- preflight checks, run in the creating transaction before anything is queued (bad input is refused
  there, naming the field: nothing changes);
- what its cluster shows when it starts, succeeds, fails or is cancelled (`Transition`), applied by
  the service's `StatusSink` in the same transaction as the operation's own change;
- an optional `effect` for what else a change means (store the kubeconfig a deploy wrote, forget a
  cluster whose reset succeeded), also in that transaction;
- which other services may ask for it through the job-request contract (`requesters`), and how their
  parameters become the operation's whole spec (`expand`, after the preflight checks).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.errors import InvalidInput


@dataclass(frozen=True)
class PhaseDef:
    name: str
    target: str  # a playbook (ansible), a module directory (terraform), a step's name (python)
    executor: str = "ansible"


@dataclass(frozen=True)
class Transition:
    """The cluster's status and message when an operation of a kind reaches a state.

    `message` may name `{reason}` (the failure's message, or `default_reason`) and `{at}` (" at phase X",
    the phase it stopped at, or "").
    """

    status: str
    message: str
    default_reason: str = ""

    def render(self, op: Any) -> str:
        reason = (op.failure or {}).get("message") or self.default_reason
        stopped = next((p.name for p in op.phases if p.status in ("cancelled", "failed")), None)
        return self.message.format(reason=reason, at=f" at phase {stopped}" if stopped else "")


# (session, operation, the operation's artifacts directory or None): in the operation's transaction.
Effect = Callable[[AsyncSession, Any, Path | None], Awaitable[None]]
# (session, the operation's creation request): raise InvalidInput/Conflict to refuse it.
Preflight = Callable[[AsyncSession, "KindRequest"], Awaitable[None]]
# (session, the creation request): the operation's whole spec, from the parameters a requesting service gave
# (the nodes, the extra-vars): a service asks for "a backup of cluster X", the owner of clusters knows the rest.
Expander = Callable[[AsyncSession, "KindRequest"], Awaitable[dict[str, Any]]]
# Applies a transition to the operation's cluster (the service owning clusters knows how).
StatusSink = Callable[[AsyncSession, Any, Transition], Awaitable[None]]


@dataclass(frozen=True)
class KindRequest:
    """What an operation is created from: checked by the kind's preflight before it is queued."""

    project_id: str
    cluster_id: str
    kind: str
    spec: dict[str, Any]
    created_by: str
    requested_by: str | None = None  # a service, when it came through the job-request contract


@dataclass(frozen=True)
class OperationKind:
    name: str
    phases: Callable[[KindRequest], Sequence[PhaseDef]]
    preflight: Sequence[Preflight] = ()
    on_start: Transition | None = None
    on_success: Transition | None = None
    on_failure: Transition | None = None
    on_cancel: Transition | None = None
    effect: Effect | None = None
    requesters: frozenset[str] = frozenset()
    expand: Expander | None = None
    description: str = ""

    def transition(self, status: str) -> Transition | None:
        return {
            "running": self.on_start,
            "succeeded": self.on_success,
            "failed": self.on_failure,
            "cancelled": self.on_cancel,
        }.get(status)


@dataclass
class KindRegistry:
    """The kinds one service runs, and how their clusters are told (`sink`)."""

    sink: StatusSink | None = None
    kinds: dict[str, OperationKind] = field(default_factory=dict)

    def register(self, kind: OperationKind) -> OperationKind:
        """Add a kind, or replace the one of that name (a service started again in the same process)."""
        self.kinds[kind.name] = kind
        return kind

    def get(self, name: str) -> OperationKind:
        kind = self.kinds.get(name)
        if kind is None:
            known = ", ".join(sorted(self.kinds)) or "none"
            raise InvalidInput(f"Unknown operation kind {name!r}: this service runs {known}.", field="kind")
        return kind

    def __contains__(self, name: object) -> bool:
        return name in self.kinds

    async def changed(self, session: AsyncSession, op: Any, artifacts: Path | None) -> None:
        """An operation started or ended: its kind's effect, then its cluster's transition."""
        kind = self.kinds.get(op.kind)
        if kind is None:
            return
        if kind.effect is not None:
            await kind.effect(session, op, artifacts)
        transition = kind.transition(op.status)
        if transition is not None and self.sink is not None:
            await self.sink(session, op, transition)
