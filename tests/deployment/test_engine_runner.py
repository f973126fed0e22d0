"""The engine's phase runner: real ansible-runner and ansible-core over real SSH to lab hosts.

Root by key on one host, a sudo user by password on the other; host keys checked strictly
against the keys given (as the inventory records them).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import asyncssh
import pytest

from ko_common.operations.ansible import runner, vault
from tests.deployment.test_runner_secrets import files_holding
from tests.lab.lab import Host, Lab

pytestmark = pytest.mark.lab
PLAYBOOK = Path(__file__).parent / "playbooks" / "engine-demo.yml"


def host_key(host: Host) -> str:
    """The host's ed25519 key as the inventory records it (read from the host's own files)."""
    return " ".join((Path(host.root) / "etc/ssh/ssh_host_ed25519_key.pub").read_text().split()[:2])


def nodes(lab: Lab, *, wrong_key: bool = False) -> list[runner.NodeAccess]:
    a, b = lab.hosts[0], lab.hosts[1]
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    return [
        runner.NodeAccess(name=a.name, ip=a.ip, port=a.port, username="root",
                          host_key=other if wrong_key else host_key(a),
                          private_key=Path(a.key_path).read_text(), groups=("masters",)),
        runner.NodeAccess(name=b.name, ip=b.ip, port=b.port, username=b.user, host_key=host_key(b),
                          password=b.password, groups=("workers",)),
    ]  # fmt: skip


def run(
    workdir: Path, phase: str, cancel: threading.Event | None = None, **extravars: object
) -> tuple[runner.PhaseResult, list[runner.AnsibleEvent]]:
    events: list[runner.AnsibleEvent] = []
    result = runner.run_phase(
        runner.PhaseRun("op-test", phase, PLAYBOOK, workdir, extravars=dict(extravars)),
        events.append,
        cancel or threading.Event(),
    )
    return result, events


def test_a_phase_runs_over_ssh_with_recorded_host_keys(lab: Lab, tmp_path: Path) -> None:
    workdir = tmp_path / "op-test"
    given = nodes(lab)
    runner.prepare(workdir, given)
    assert {oct(p.stat().st_mode & 0o777) for p in workdir.rglob("*") if p.is_file()} == {"0o600"}
    assert oct(workdir.stat().st_mode & 0o777) == "0o700"

    result, events = run(workdir, "demo")
    assert result.status == "succeeded", [e.excerpt for e in events]
    tasks = [e.task for e in events if e.kind == "task_start"]
    assert tasks == ["Demo | Ping", "Demo | Who", "Demo | Sleep", "Demo | Fail when asked"]
    results = {(e.host, e.task): e.status for e in events if e.kind == "task_result"}
    assert results[(lab.hosts[1].name, "Demo | Who")] == "ok"  # become with the password
    assert results[(lab.hosts[0].name, "Demo | Fail when asked")] == "skipped"
    assert events[-1].kind == "stats" and set(events[-1].data["ok"]) == {lab.hosts[0].name, lab.hosts[1].name}
    secrets = [lab.hosts[1].password, Path(lab.hosts[0].key_path).read_text().splitlines()[1]]
    for event in events:
        assert not any(s in runner.dumps(event) for s in secrets)
        assert len(event.excerpt) <= runner.EXCERPT_CHARS + 60

    runner.cleanup(workdir)
    assert not workdir.exists()


def test_a_failure_names_host_task_and_hint(lab: Lab, tmp_path: Path) -> None:
    workdir = tmp_path / "op-test"
    runner.prepare(workdir, nodes(lab))
    result, events = run(workdir, "fail", fail_here=True)
    assert result.status == "failed"
    failed = [e for e in events if e.status == "failed" and e.kind == "task_result"]
    assert {e.host for e in failed} == {lab.hosts[0].name, lab.hosts[1].name}
    assert all(e.task == "Demo | Fail when asked" for e in failed)
    assert runner.hint_for(failed[0].excerpt) == runner.hint_for("No space left on device")
    runner.cleanup(workdir)


def test_a_host_whose_key_differs_is_not_trusted(lab: Lab, tmp_path: Path) -> None:
    workdir = tmp_path / "op-test"
    runner.prepare(workdir, nodes(lab, wrong_key=True))
    result, events = run(workdir, "wrong-key")
    assert result.status == "failed"
    unreachable = [e for e in events if e.status == "unreachable"]
    assert [e.host for e in unreachable] == [lab.hosts[0].name]
    assert "Host key verification failed" in unreachable[0].excerpt
    assert "SSH key is not the one" in (runner.hint_for(unreachable[0].excerpt) or "")
    runner.cleanup(workdir)


def test_cancel_stops_the_playbook_within_seconds(lab: Lab, tmp_path: Path) -> None:
    workdir = tmp_path / "op-test"
    runner.prepare(workdir, nodes(lab))
    cancel = threading.Event()
    asked: list[float] = []

    def later() -> None:
        time.sleep(2)
        asked.append(time.monotonic())
        cancel.set()

    threading.Thread(target=later, daemon=True).start()
    result, _ = run(workdir, "cancel", cancel, nap=120)
    assert result.status == "cancelled"
    assert time.monotonic() - asked[0] < 5

    # Nothing of the playbook left running but the SSH masters ("ssh: <socket> [mux]"), which persist
    # by design until the operation's cleanup closes them. A process still exiting gets a moment.
    def leftovers() -> list[str]:
        titles = []
        for pid in runner.processes_of("op-test"):
            try:
                title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
            except OSError:
                continue
            if title and not title.endswith("[mux]"):
                titles.append(title)
        return titles

    deadline = time.monotonic() + 5
    while leftovers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert leftovers() == []
    runner.cleanup(workdir)
    assert runner.processes_of("op-test") == []


def test_orphans_of_an_operation_are_found_by_their_marker() -> None:
    proc = subprocess.Popen(["sleep", "60"], env={**os.environ, runner.MARKER: "op-orphan"})
    try:
        assert runner.kill_orphans("op-orphan") == [proc.pid]
        assert proc.wait(timeout=5) == -9
        assert runner.kill_orphans("op-orphan") == []
    finally:
        proc.kill()


def test_no_password_is_on_disk_while_a_phase_runs_over_ssh(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lab's twin of test_runner_secrets: a login and a sudo by password over real SSH."""
    monkeypatch.setenv("KO_ADMIN_PASSWORD", "admin-Pw-lab-5f1c2e9a")
    monkeypatch.setenv("KO_SECRET_KEY", "secret-key-lab-8d7e6f5a")
    workdir = tmp_path / "op-test"
    runner.prepare(workdir, nodes(lab))
    secrets = [lab.hosts[1].password, "admin-Pw-lab-5f1c2e9a", "secret-key-lab-8d7e6f5a", vault.key_of(workdir) or "?"]
    events: list[runner.AnsibleEvent] = []
    found: list[dict[str, list[str]]] = []

    def on_event(event: runner.AnsibleEvent) -> None:
        events.append(event)
        # Logged in and became root by password; the playbook sleeps next: look at the disk meanwhile
        # (from the runner's thread: the playbook runs on, only its events wait).
        if event.kind == "task_result" and event.task == "Demo | Who" and event.host == lab.hosts[1].name:
            found.append(files_holding(tmp_path, secrets))

    run = runner.PhaseRun("op-test", "secrets", PLAYBOOK, workdir, extravars={"nap": 3})
    result = runner.run_phase(run, on_event, threading.Event())
    assert result.status == "succeeded", [e.excerpt for e in events]
    assert found == [{}]
    runner.cleanup(workdir)
