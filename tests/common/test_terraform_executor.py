"""The Terraform executor against the real terraform binary, offline: only Terraform's built-in
`terraform_data` resource and `local-exec` provisioners (no provider to download)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import stat
import threading
import time
from pathlib import Path

import pytest

from ko_common.operations.executors import OperationRun, PhaseStep, StepEvent
from ko_common.operations.terraform import (
    MARKER,
    LocalStateStore,
    TerraformExecutor,
    child_env,
    hint_for,
    phase_vars,
    processes_of,
)

TERRAFORM = shutil.which("terraform")

SECRET = 'Vc3nter-P@ss"word'  # a quote in it: Terraform prints commands JSON-quoted

MODULES = {
    "vms/main.tf": """
variable "name" { type = string }
variable "vcenter_password" { type = string }
resource "terraform_data" "node" {
  count = 2
  input = "${var.name}-${count.index}"
}
resource "terraform_data" "login" {
  input = var.vcenter_password
  provisioner "local-exec" { command = "echo 'logging in with ${var.vcenter_password}'" }
}
output "names" { value = terraform_data.node[*].output }
output "password" {
  value     = var.vcenter_password
  sensitive = true
}
""",
    "broken/main.tf": """
resource "terraform_data" "fine" {}
resource "terraform_data" "bad" {
  provisioner "local-exec" { command = "echo the disk is on fire; exit 3" }
}
""",
    "slow/main.tf": """
resource "terraform_data" "first" {}
resource "terraform_data" "slow" {
  depends_on = [terraform_data.first]
  provisioner "local-exec" { command = "sleep 30" }
}
""",
}


def make_run(tmp_path: Path, spec: dict[str, object], name: str = "op-1") -> OperationRun:
    workdir = tmp_path / "runs" / name
    workdir.mkdir(mode=0o700, parents=True)
    return OperationRun(operation_id=name, project_id="p-1", cluster_id="c-1", kind="provision", spec=spec,
                        workdir=workdir, cancel=threading.Event(), timeout_seconds=120)  # fmt: skip


@pytest.fixture
def env(tmp_path: Path) -> tuple[TerraformExecutor, LocalStateStore, Path]:
    if TERRAFORM is None:
        pytest.skip("the terraform binary is not installed")
    modules = tmp_path / "modules"
    for rel, text in MODULES.items():
        (modules / rel).parent.mkdir(parents=True, exist_ok=True)
        (modules / rel).write_text(text)
    store = LocalStateStore(tmp_path / "states")
    return TerraformExecutor(modules, plugin_dir=None, state=store, terraform_bin=str(TERRAFORM)), store, modules


def phase(target: str, name: str = "vms") -> PhaseStep:
    return PhaseStep(position=0, name=name, target=target)


def run_phase(executor: TerraformExecutor, run: OperationRun, step: PhaseStep, events: list[StepEvent]):  # type: ignore[no-untyped-def]
    return asyncio.run(executor.run_phase(run, step, events.append))


def state_resources(store: LocalStateStore, key: str) -> list[str]:
    data = json.loads(store.path(key).read_bytes())
    return sorted(f"{r['type']}.{r['name']}" for r in data["resources"])


VMS_SPEC = {"terraform": {"vars": {"name": "k8s", "vcenter_password": SECRET}}}


def test_apply_streams_events_writes_outputs_then_changes_nothing_then_destroys(
    env: tuple[TerraformExecutor, LocalStateStore, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    executor, store, _ = env
    caplog.set_level(logging.DEBUG)
    run = make_run(tmp_path, VMS_SPEC)
    events: list[StepEvent] = []
    var_modes: set[int] = set()

    def collect(event: StepEvent) -> None:
        events.append(event)
        var_modes.update(stat.S_IMODE(f.stat().st_mode) for f in (run.workdir / "terraform" / "vars").iterdir())

    result = asyncio.run(executor.run_phase(run, phase("vms"), collect))
    assert result.status == "succeeded", result
    assert var_modes == {0o600}

    done = {(e.host, e.task) for e in events if e.kind == "task_result" and e.status == "changed"}
    assert {("terraform_data.node[0]", "create"), ("terraform_data.node[1]", "create"),
            ("terraform_data.login", "create")} <= done  # fmt: skip
    assert any(e.kind == "task_start" and e.host == "terraform_data.login" for e in events)
    assert any(e.host == "terraform_data.login" and "logging in with" in e.excerpt for e in events)
    stats = [e for e in events if e.kind == "stats"]
    assert stats and stats[-1].data["add"] == 3

    outputs = json.loads((run.artifacts / "terraform-outputs.json").read_text())
    assert outputs["vms"]["outputs"]["names"] == ["k8s-0", "k8s-1"]
    assert outputs["vms"]["sensitive"] == ["password"]
    assert stat.S_IMODE((run.artifacts / "terraform-outputs.json").stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path("c-1/vms").stat().st_mode) == 0o600
    assert state_resources(store, "c-1/vms") == ["terraform_data.login", "terraform_data.node"]
    assert not list((run.workdir / "terraform" / "vars").iterdir()), "the var-file outlived its phase"

    # A second apply, by a later run of another operation: the state comes from the store.
    again = make_run(tmp_path, VMS_SPEC, name="op-2")
    second: list[StepEvent] = []
    assert run_phase(executor, again, phase("vms"), second).status == "succeeded"
    assert not [e for e in second if e.changed], [e for e in second if e.changed]
    assert [e.data for e in second if e.kind == "stats"][-1] == {"add": 0, "change": 0, "remove": 0, "import": 0}

    gone: list[StepEvent] = []
    assert run_phase(executor, again, phase("vms:destroy", "destroy-vms"), gone).status == "succeeded"
    assert {e.host for e in gone if e.task == "delete" and e.status == "changed"} == {
        "terraform_data.node[0]", "terraform_data.node[1]", "terraform_data.login"}  # fmt: skip
    assert json.loads(store.path("c-1/vms").read_bytes())["resources"] == []

    for event in events + second + gone:
        assert "P@ss" not in f"{event.excerpt} {event.host} {event.task} {event.data}", event
    assert "P@ss" not in caplog.text
    asyncio.run(executor.discard(run))
    assert not (run.workdir / "terraform").exists()


def test_a_failing_resource_fails_the_phase_naming_it(
    env: tuple[TerraformExecutor, LocalStateStore, Path], tmp_path: Path
) -> None:
    executor, store, _ = env
    run = make_run(tmp_path, {})
    events: list[StepEvent] = []
    result = run_phase(executor, run, phase("broken", "create"), events)
    assert result.status == "failed"
    assert result.failure is not None
    assert result.failure.host == "terraform_data.bad"
    assert result.failure.task == "create"
    assert "terraform_data.bad failed to create" in result.failure.message
    assert "exit status 3" in result.failure.excerpt
    assert any(e.status == "failed" and e.host == "terraform_data.bad" for e in events)
    # What did succeed is in the saved state (the failed one is kept too, tainted, for the retry to replace).
    assert "terraform_data.fine" in state_resources(store, "c-1/broken")


def test_cancel_stops_within_seconds_and_keeps_what_finished(
    env: tuple[TerraformExecutor, LocalStateStore, Path], tmp_path: Path
) -> None:
    executor, store, _ = env
    run = make_run(tmp_path, {"terraform": {"vars": {"api_token": SECRET}}})
    events: list[StepEvent] = []
    asked: list[float] = []
    seen: list[bytes] = []

    def cancel_when_sleeping(event: StepEvent) -> None:
        events.append(event)
        if event.host == "terraform_data.slow" and event.task == "local-exec" and not asked:
            asked.append(time.monotonic() + 0.5)
            for pid in processes_of(run.operation_id):  # terraform, its sh, the sleep: no secret anywhere
                with contextlib.suppress(OSError):  # one that ended since it was listed (a busy machine)
                    seen.append(Path(f"/proc/{pid}/cmdline").read_bytes() + Path(f"/proc/{pid}/environ").read_bytes())
            threading.Timer(0.5, run.cancel.set).start()

    result = asyncio.run(executor.run_phase(run, phase("slow"), cancel_when_sleeping))
    assert result.status == "cancelled", result
    assert time.monotonic() - asked[0] < 3, "the cancel took longer than 3 s"
    assert any(e.host == "terraform_data.first" and e.status == "changed" for e in events)
    assert "terraform_data.first" in state_resources(store, "c-1/slow")
    assert not processes_of(run.operation_id), "the local-exec's sleep outlived the cancel"
    assert any("Interrupt received" in e.excerpt for e in events)
    assert seen and not [s for s in seen if b"P@ss" in s or b"KO_" + b"DB" in s]


def test_a_phase_past_its_timeout_is_stopped_the_same_way(
    env: tuple[TerraformExecutor, LocalStateStore, Path], tmp_path: Path
) -> None:
    executor, store, _ = env
    run = make_run(tmp_path, {})
    run.timeout_seconds = 2
    started = time.monotonic()
    result = run_phase(executor, run, phase("slow"), [])
    assert result.status == "timeout", result
    assert time.monotonic() - started < 5
    assert "terraform_data.first" in state_resources(store, "c-1/slow")
    assert not processes_of(run.operation_id)


def test_bad_targets_and_variables_are_refused(
    env: tuple[TerraformExecutor, LocalStateStore, Path], tmp_path: Path
) -> None:
    executor, _, _ = env
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "main.tf").write_text("")
    run = make_run(tmp_path, {})
    for target in ("../outside", "/etc", "vms/../../outside", "", ":destroy", "nowhere"):
        result = run_phase(executor, run, phase(target), [])
        assert result.status == "failed", target
        assert result.failure is not None and "Terraform target" in result.failure.message, target
    bad = make_run(tmp_path, {"terraform": {"vars": ["name"]}}, name="op-bad")
    result = run_phase(executor, bad, phase("vms"), [])
    assert result.failure is not None and "spec.terraform.vars must be an object" in result.failure.message
    assert not (tmp_path / "states").exists(), "a refused phase touched the state"


def test_a_provider_missing_from_the_mirror_fails_init_with_the_hint(
    env: tuple[TerraformExecutor, LocalStateStore, Path], tmp_path: Path
) -> None:
    executor, _, modules = env
    (modules / "cloud").mkdir()
    (modules / "cloud" / "main.tf").write_text(
        'terraform {\n  required_providers {\n    vsphere = { source = "hashicorp/vsphere" }\n  }\n}\n'
    )
    events: list[StepEvent] = []
    result = run_phase(executor, make_run(tmp_path, {}), phase("cloud"), events)
    assert result.status == "failed"
    assert result.failure is not None and result.failure.task == "init"
    assert result.failure.hint is not None and "offline package" in result.failure.hint
    assert any(e.kind == "error" and e.task == "init" for e in events)


def test_a_stopped_runs_state_left_behind_is_saved_when_the_operation_resumes(
    env: tuple[TerraformExecutor, LocalStateStore, Path], tmp_path: Path
) -> None:
    executor, store, _ = env
    run = make_run(tmp_path, {})
    assert run_phase(executor, run, phase("broken"), []).status == "failed"  # leaves a state with "fine"
    saved = json.loads(store.path("c-1/broken").read_bytes())
    store.path("c-1/broken").unlink()  # as if the worker had died before saving it
    asyncio.run(executor.prepare(run))
    assert json.loads(store.path("c-1/broken").read_bytes())["serial"] == saved["serial"]


def test_variables_per_phase_and_which_are_sensitive() -> None:
    spec = {"vars": {"name": "a", "region": "r1"}, "phases": {"vms": {"vars": {"name": "b"}}},
            "sensitive": ["region"]}  # fmt: skip
    assert phase_vars(spec, "vms") == ({"name": "b", "region": "r1"}, {"region"})
    assert phase_vars(spec, "other") == ({"name": "a", "region": "r1"}, {"region"})
    assert phase_vars({"vars": {"vcenter_password": "x", "os_token": "y"}}, "p") == (
        {"vcenter_password": "x", "os_token": "y"}, {"vcenter_password", "os_token"})  # fmt: skip
    assert phase_vars(None, "p") == ({}, set())
    refused = phase_vars({"vars": [], "sensitive": "region"}, "p")
    assert isinstance(refused, str)
    assert "spec.terraform.vars must be an object" in refused and "spec.terraform.sensitive must be a list" in refused


def test_the_environment_is_an_allow_list(tmp_path: Path) -> None:
    env = child_env({"PATH": "/bin", "HOME": "/h", "LC_ALL": "C", "KO_DB_PASSWORD": "x", "TF_LOG": "trace",
                     "TF_PLUGIN_CACHE_DIR": "/c", "AWS_SECRET_ACCESS_KEY": "y"}, "op-9", tmp_path / "rc")  # fmt: skip
    assert env == {"PATH": "/bin", "HOME": "/h", "LC_ALL": "C", MARKER: "op-9", "TF_IN_AUTOMATION": "1",
                   "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1", "TF_CLI_CONFIG_FILE": str(tmp_path / "rc")}  # fmt: skip


def test_hints_for_known_causes() -> None:
    assert "offline package" in (hint_for("Error: Failed to install provider hashicorp/vsphere") or "")
    assert "login" in (hint_for("Cannot complete login due to an incorrect user name or password.") or "")
    assert "quota" in (hint_for("Quota exceeded for instances: Requested 3, but already used 10") or "")
    assert "already in use" in (hint_for("IP address 10.0.0.5 is already in use") or "")
    assert hint_for("something else entirely") is None
