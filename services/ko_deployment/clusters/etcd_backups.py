"""Operations the backup service asks for (job requests): `etcd-backup` and `etcd-restore`.

The backup service keeps the accounts and the files; this service holds the nodes' logins, so it takes
the snapshot on a healthy member and restores it on every member. The requester gives ids only; the
spec (nodes, extra-vars) is built here from the cluster (`expand`), after the same checks as every
Day-2 operation (running, not busy).

- `etcd-backup`: `etcd-backup` (Ansible: snapshot, status, checksum, PKI archive, fetched into a
  directory of this service named by the backup), `deliver` (python: streamed to the backup service,
  which stores it in the account and checks the receipt), `cleanup` (Ansible: the files on the masters
  removed). A resumed backup delivers what it fetched before: no second snapshot.
- `etcd-restore`: `fetch-backup` (python: the snapshot read from the backup service, sha256 checked,
  kept in a directory of this service until the restore succeeds), `etcd-restore` (Ansible, see
  playbooks/32-etcd-restore.yml).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.errors import InvalidInput, NotFound
from ko_common.operations.executors import PythonExecutor, StepContext, StepFailed
from ko_common.operations.kinds import KindRegistry, KindRequest, OperationKind, PhaseDef, Transition
from ko_deployment.backup_client import BackupClient
from ko_deployment.clusters import validation
from ko_deployment.clusters.phases import phases_of
from ko_deployment.clusters.repository import ClusterRepository
from ko_deployment.clusters.scaling import ready_for_change
from ko_deployment.clusters.service import operation_spec

DELIVER_STEP = "deliver-backup"
FETCH_STEP = "fetch-backup"


def backup_phases(playbooks_dir: Path) -> list[PhaseDef]:
    """operations.yml's etcd-backup playbooks, with this service's `deliver` step between them."""
    snapshot, *after = phases_of(playbooks_dir, "etcd-backup")
    return [snapshot, PhaseDef("deliver", DELIVER_STEP, executor="python"), *after]


def restore_phases(playbooks_dir: Path) -> list[PhaseDef]:
    """operations.yml's etcd-restore playbooks, after this service's `fetch-backup` step."""
    return [PhaseDef("fetch-backup", FETCH_STEP, executor="python"), *phases_of(playbooks_dir, "etcd-restore")]


def register(
    kinds: KindRegistry, steps: PythonExecutor, playbooks_dir: Path, files_dir: Path, backups: BackupClient
) -> None:
    backup_dir, restore_dir = files_dir / "etcd-backups", files_dir / "etcd-restores"

    async def expand_backup(session: AsyncSession, req: KindRequest) -> dict[str, Any]:
        backup_id = _id(req.spec, "backup_id")
        cluster, spec = await _spec(session, req, "a backup is taken")
        spec["extravars"]["ko_backup"] = {
            "id": backup_id, "dir": str(backup_dir / backup_id), "kubernetes_version": cluster.version,
        }  # fmt: skip
        return {**spec, "params": req.spec}

    async def expand_restore(session: AsyncSession, req: KindRequest) -> dict[str, Any]:
        backup_id, restore_id = _id(req.spec, "backup_id"), _id(req.spec, "restore_id")
        cluster, spec = await _spec(session, req, "a restore starts")
        theirs = str(req.spec.get("kubernetes_version") or "")
        if theirs.split(".")[:2] != cluster.version.split(".")[:2]:
            raise InvalidInput(
                f"backup_id: the backup is of Kubernetes {theirs or 'an unknown version'} and cluster {cluster.name} "
                f"runs {cluster.version}: restore a backup of the same minor version.",
                field="backup_id",
            )
        spec["extravars"]["ko_restore"] = {
            "backup_id": backup_id, "restore_id": restore_id, "file": str(restore_dir / f"{backup_id}.db"),
            "token": f"ko-{cluster.id[:8]}-restore-{restore_id[:8]}",
        }  # fmt: skip
        return {**spec, "params": req.spec}

    async def deliver(step: StepContext) -> None:
        backup = step.run.spec["extravars"]["ko_backup"]
        directory = Path(backup["dir"])
        if not (directory / "receipt.json").is_file():
            raise StepFailed("The etcd-backup phase left no receipt: run the backup again.")
        answer = await backups.deliver(backup["id"], directory)
        step.log(f"Stored in the backup account: {answer.get('message', '')}", changed=True)

    async def fetch(step: StepContext) -> None:
        params = step.run.spec.get("params") or {}
        target = Path(step.run.spec["extravars"]["ko_restore"]["file"])
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if target.is_file() and _sha256(target) == params.get("sha256"):
            step.log("The snapshot was fetched before and is intact.")
            return
        size = await backups.fetch(params["backup_id"], str(params.get("sha256") or ""), target)
        step.log(f"Snapshot fetched ({size} bytes), sha256 verified.", changed=True)

    async def track(session: AsyncSession, op: Any, artifacts: Path | None) -> None:
        """The cluster shows the operation while it runs; its files on this machine go when it has ended."""
        if op.status == "running":
            cluster = await ClusterRepository(session).get(op.cluster_id)
            if cluster is not None:
                cluster.current_operation_id = op.id
            return
        if op.status not in ("succeeded", "failed", "cancelled"):
            return
        extravars = (op.spec or {}).get("extravars") or {}
        if "ko_backup" in extravars:
            shutil.rmtree(extravars["ko_backup"]["dir"], ignore_errors=True)
        if "ko_restore" in extravars and op.status == "succeeded":
            Path(extravars["ko_restore"]["file"]).unlink(missing_ok=True)

    steps.steps[DELIVER_STEP] = deliver
    steps.steps[FETCH_STEP] = fetch
    kinds.register(
        OperationKind(
            "etcd-backup",
            phases=lambda _req: backup_phases(playbooks_dir),
            expand=expand_backup,
            effect=track,
            requesters=frozenset({"backup"}),
            description="A snapshot of etcd and the cluster's PKI, taken on a healthy member, for the backup service.",
        )
    )
    restore_stopped = Transition(
        "running",
        "The restore stopped{at}: {reason} The API may be down until it finishes: retry it (the members it "
        "finished keep their restored data; nothing was stopped if it failed before the etcd-restore phase).",
        "it was cancelled.",
    )
    kinds.register(
        OperationKind(
            "etcd-restore",
            phases=lambda _req: restore_phases(playbooks_dir),
            expand=expand_restore,
            on_start=Transition("running", "Restoring etcd from a backup: the API is unavailable meanwhile."),
            on_success=Transition("running", "Restored from a backup."),
            on_failure=restore_stopped,
            on_cancel=restore_stopped,
            effect=track,
            requesters=frozenset({"backup"}),
            description="Restore every etcd member from a backup's snapshot, then the control plane and the nodes.",
        )
    )


async def _spec(session: AsyncSession, req: KindRequest, what: str) -> tuple[Any, dict[str, Any]]:
    cluster = await ClusterRepository(session).get(req.cluster_id)
    if cluster is None or cluster.project_id != req.project_id:
        raise NotFound(f"No cluster {req.cluster_id} in project {req.project_id}.", field="cluster_id")
    await ready_for_change(session, cluster, what)
    package = await validation.ready_package(session, cluster.version, cluster.arch)
    return cluster, operation_spec(cluster, package.manifest if package else {}, "")


def _id(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value or "/" in value or ".." in value or len(value) > 64:
        raise InvalidInput(f"{name}: give the id of the backup service's record.", field=name)
    return value


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
