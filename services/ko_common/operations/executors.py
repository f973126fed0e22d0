"""Executors: what runs a phase. The engine (worker.py) owns order, state, events and cancel; an executor
only runs one phase's work and reports its steps.

- `ansible` (ansible/executor.py): a playbook over SSH through ansible-runner (the deployment service);
- `terraform` (terraform.py): a Terraform root module (the provisioning service);
- `python` (here): named async steps of the service itself (uploads, Helm calls, Kubernetes API calls).

An executor is told once per run of an operation (`prepare`, `release`, `discard`), and once per phase
(`run_phase`). It reports each step as a `StepEvent` through `emit` (callable from any thread); the
engine numbers, stores and publishes them. It stops within a second when `run.cancel` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ko_common.operations.schemas import Failure

EXCERPT_CHARS = 2000


@dataclass(frozen=True)
class StepEvent:
    kind: str  # phase_start | task_start | task_result | output | warning | ... (see OperationEventOut.kind)
    status: str  # running | ok | changed | failed | unreachable | skipped | done | warning
    host: str | None
    task: str | None
    play: str | None
    changed: bool
    duration_ms: int | None
    excerpt: str
    time: datetime
    data: dict[str, Any] = field(default_factory=dict)


def step_event(kind: str, status: str, text: str, *, host: str | None = None, task: str | None = None,
               changed: bool = False, duration_ms: int | None = None) -> StepEvent:  # fmt: skip
    return StepEvent(
        kind=kind, status=status, host=host, task=task, play=None, changed=changed, duration_ms=duration_ms,
        excerpt=text[:EXCERPT_CHARS], time=datetime.now(UTC),
    )  # fmt: skip


Emit = Callable[[StepEvent], None]


@dataclass(frozen=True)
class PhaseResult:
    status: str  # succeeded | failed | cancelled | timeout
    rc: int | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    # The executor's own account of a failure; without it the engine names the first failed step.
    failure: Failure | None = None


@dataclass
class OperationRun:
    """One run (first or resumed) of an operation, as every executor of its phases sees it."""

    operation_id: str
    project_id: str
    cluster_id: str
    kind: str
    spec: dict[str, Any]
    workdir: Path  # private (0700) to this run; deleted when the operation ends
    cancel: threading.Event
    timeout_seconds: int
    scratch: dict[str, Any] = field(default_factory=dict)  # executors' state across the run's phases

    @property
    def artifacts(self) -> Path:
        """Where phases leave what the kind's effect reads at the end (a kubeconfig, a receipt).

        Scratch of this run only: removed when the run ends, whatever its outcome (it may hold
        secrets), so a retry does not find what an earlier run's phases left. A phase whose result a
        later phase needs after a retry stores it somewhere durable (the operation's spec, a backup
        account), not here.
        """
        return self.workdir / "artifacts"


@dataclass(frozen=True)
class PhaseStep:
    position: int
    name: str
    target: str


class PrepareFailed(Exception):
    """The run cannot start and waiting will not help (its hosts are gone): the operation fails with this."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class Executor(Protocol):
    name: str

    async def prepare(self, run: OperationRun) -> None:
        """Before the run's first phase. PrepareFailed fails the operation; any other error hands it back."""

    async def run_phase(self, run: OperationRun, phase: PhaseStep, emit: Emit) -> PhaseResult: ...

    async def release(self, run: OperationRun) -> None:
        """After the last phase, before the end is recorded (close connections: nothing slow after it)."""

    async def discard(self, run: OperationRun) -> None:
        """After the end is recorded and the kind's effect has read the artifacts: remove every secret."""

    def kill_orphans(self, operation_id: str) -> None:
        """Processes this machine still runs for the operation (its last worker was killed): stop them."""

    def hint_for(self, text: str) -> str | None:
        """What a failed step's output usually means, and what to do."""


class BaseExecutor:
    """Nothing to prepare, release or kill: what most executors need of the protocol."""

    name = "base"

    async def prepare(self, run: OperationRun) -> None:
        return None

    async def release(self, run: OperationRun) -> None:
        return None

    async def discard(self, run: OperationRun) -> None:
        return None

    def kill_orphans(self, operation_id: str) -> None:
        return None

    def hint_for(self, text: str) -> str | None:
        return None


class StepFailed(Exception):
    """A python step's failure as a person can act on it (the message names what and where; hint: the fix)."""

    def __init__(self, message: str, *, hint: str | None = None, host: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint
        self.host = host


@dataclass
class StepContext:
    run: OperationRun
    phase: str
    emit: Emit

    def log(self, text: str, *, status: str = "ok", host: str | None = None, task: str | None = None,
            changed: bool = False) -> None:  # fmt: skip
        self.emit(step_event("task_result", status, text, host=host, task=task, changed=changed))

    @property
    def cancelled(self) -> bool:
        return self.run.cancel.is_set()


Step = Callable[[StepContext], Coroutine[Any, Any, None]]
CANCEL_POLL_SECONDS = 0.2


class PythonExecutor(BaseExecutor):
    """Phases that are async functions of the service, registered by name (the phase's target).

    A step is cancelled (asyncio) when the operation's cancel is set and stopped at the phase timeout;
    it must be idempotent like a playbook, since a resumed operation runs its interrupted phase again.
    An exception fails the phase: `StepFailed` with its message and hint, anything else with its type
    and message (never a traceback in the operation's failure: the service log has it).
    """

    name = "python"

    def __init__(self, steps: dict[str, Step] | None = None) -> None:
        self.steps: dict[str, Step] = dict(steps or {})

    def step(self, name: str) -> Callable[[Step], Step]:
        def register(fn: Step) -> Step:
            self.steps[name] = fn
            return fn

        return register

    async def run_phase(self, run: OperationRun, phase: PhaseStep, emit: Emit) -> PhaseResult:
        fn = self.steps.get(phase.target)
        if fn is None:
            message = f"Phase {phase.name}: this service has no step {phase.target!r}."
            return PhaseResult("failed", failure=Failure(message=message, phase=phase.name))
        started = time.monotonic()
        task: asyncio.Task[None] = asyncio.create_task(fn(StepContext(run, phase.name, emit)))
        while not task.done():
            await asyncio.wait({task}, timeout=CANCEL_POLL_SECONDS)
            late = time.monotonic() - started > run.timeout_seconds
            if not task.done() and (run.cancel.is_set() or late):
                task.cancel()
                # It was told to stop; how it stops (CancelledError, its own error) is its business.
                with contextlib.suppress(BaseException):
                    await task
                return PhaseResult("timeout" if late and not run.cancel.is_set() else "cancelled")
        try:
            task.result()
        except asyncio.CancelledError:
            return PhaseResult("cancelled")
        except StepFailed as exc:
            emit(step_event("task_result", "failed", str(exc), host=exc.host, task=phase.target))
            failure = Failure(message=f"Phase {phase.name}: {exc}", phase=phase.name, host=exc.host,
                              task=phase.target, excerpt=str(exc)[:EXCERPT_CHARS], hint=exc.hint)  # fmt: skip
            return PhaseResult("failed", rc=1, failure=failure)
        except Exception as exc:  # noqa: BLE001 - reported as the phase's failure
            text = f"{type(exc).__name__}: {exc}"
            emit(step_event("task_result", "failed", text, task=phase.target))
            failure = Failure(message=f"Phase {phase.name}: step {phase.target} failed: {text}"[:500],
                              phase=phase.name, task=phase.target, excerpt=text[:EXCERPT_CHARS])  # fmt: skip
            return PhaseResult("failed", rc=1, failure=failure)
        return PhaseResult("succeeded", rc=0)
