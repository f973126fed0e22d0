"""The Ansible executor: a phase is a playbook run through ansible-runner over SSH (runner.py).

Per run of an operation it fetches the nodes' logins (`nodes`, from the service's inventory client),
writes the private inventory and the vault-encrypted passwords into the run's directory, and computes
the extra-vars once: the operation's own, with `run_vars` (the settings as they are now, so a retry
sees a changed setting) merged over them, and `ko_artifacts_dir`. A phase may have extra-vars of its
own, merged over those for that phase only: the spec's `phase_vars`, by phase name (an upgrade runs
the same playbooks once per version of its path, each time with that version's package).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ko_common.operations.ansible import runner
from ko_common.operations.executors import BaseExecutor, Emit, OperationRun, PhaseResult, PhaseStep, PrepareFailed
from ko_common.operations.schemas import Failure

log = logging.getLogger(__name__)

NodeSource = Callable[[dict[str, Any]], Awaitable[list[runner.NodeAccess]]]
RunVars = Callable[[dict[str, Any]], dict[str, Any]]
EXTRAVARS = "ansible.extravars"


class AnsibleExecutor(BaseExecutor):
    name = "ansible"

    def __init__(
        self,
        *,
        nodes: NodeSource,
        playbooks_dir: Path,
        ansible_pipelining: bool = True,
        run_vars: RunVars | None = None,
    ) -> None:
        self.nodes = nodes
        self.playbooks_dir = playbooks_dir
        # The runner turns pipelining on; off only for nodes whose sudo requires a tty (KO_ANSIBLE_PIPELINING).
        self.envvars = {} if ansible_pipelining else {"ANSIBLE_PIPELINING": "False"}
        self.run_vars = run_vars

    async def prepare(self, run: OperationRun) -> None:
        # An operation whose nodes an earlier phase of its own makes (a cluster's VMs, created by its
        # `provision` step): its inventory is prepared at its first playbook, from the spec then.
        if not run.spec.get("nodes"):
            return
        await self._prepare(run)

    async def _prepare(self, run: OperationRun) -> None:
        # PrepareFailed (the hosts are gone) fails the operation; anything else (inventory down) hands it back.
        nodes = await self.nodes(run.spec)
        extravars = dict(run.spec.get("extravars") or {})
        if self.run_vars is not None:
            extravars = deep_merge(extravars, self.run_vars(run.spec))
        extravars["ko_artifacts_dir"] = str(run.artifacts)
        run.scratch[EXTRAVARS] = extravars
        # A worker killed mid-phase leaves its playbook running (kill -9): stop it before resuming.
        await asyncio.to_thread(runner.kill_orphans, run.operation_id)
        await asyncio.to_thread(runner.prepare, run.workdir, nodes, run.spec.get("vars") or {})

    async def run_phase(self, run: OperationRun, phase: PhaseStep, emit: Emit) -> PhaseResult:
        if EXTRAVARS not in run.scratch:
            try:
                await self._prepare(run)
            except PrepareFailed as exc:
                failure = Failure(message=f"Phase {phase.name}: {exc}", phase=phase.name, hint=exc.hint)
                return PhaseResult("failed", rc=1, failure=failure)
        return await asyncio.to_thread(
            runner.run_phase,
            runner.PhaseRun(
                operation_id=run.operation_id,
                phase=phase.name,
                playbook=(self.playbooks_dir / phase.target).resolve(),
                workdir=run.workdir,
                extravars=phase_extravars(run, phase.name),
                timeout_seconds=run.timeout_seconds,
                envvars=self.envvars,
            ),
            emit,
            run.cancel,
        )

    async def release(self, run: OperationRun) -> None:
        # SSH masters close before the finishing transaction (a host that stopped answering can hold
        # `ssh -O exit` for seconds: not while holding the database's write lock).
        await asyncio.to_thread(_quietly, runner.close_connections, run.workdir)

    async def discard(self, run: OperationRun) -> None:
        await asyncio.to_thread(_quietly, runner.cleanup, run.workdir)

    def kill_orphans(self, operation_id: str) -> None:
        runner.kill_orphans(operation_id)

    def hint_for(self, text: str) -> str | None:
        return runner.hint_for(text)


def phase_extravars(run: OperationRun, phase: str) -> dict[str, Any]:
    own = (run.spec.get("phase_vars") or {}).get(phase)
    return deep_merge(run.scratch[EXTRAVARS], own) if own else run.scratch[EXTRAVARS]


def _quietly(step: Callable[[Path], None], workdir: Path) -> None:
    try:
        step(workdir)
    except Exception as exc:  # noqa: BLE001 - an ssh that hangs must not undo the operation's end
        log.warning("operation cleanup incomplete (%s): %s", type(exc).__name__, workdir)


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` on `base`: a dict into a dict key by key, anything else replaced."""
    merged = dict(base)
    for key, value in over.items():
        old = merged.get(key)
        merged[key] = deep_merge(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
    return merged
