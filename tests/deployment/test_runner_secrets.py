"""No secret on disk while a phase runs, and no noise of the service's in its events (no lab).

The phase runs the product's path (`prepare`, then `run_phase` through ansible-runner) against the
controller itself: the node has an SSH and a sudo password that `prepare` renders like any other,
only its connection is `local` so that no SSH server is needed.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from pathlib import Path

import pytest

from ko_common.operations.ansible import runner, vault

PLAYBOOK = Path(__file__).parent / "playbooks" / "quiet" / "secrets.yml"
OPERATION = "op-secrets"
SERVICE_SECRETS = {
    "KO_ADMIN_PASSWORD": "admin-Pw-5f1c2e9a",
    "KO_SECRET_KEY": "secret-key-8d7e6f5a4b3c",
    "KO_IDENTITY_KEY": "identity-key-1a2b3c4d5e",
    "KO_DATABASE_URL": "postgresql://ko:db-Pw-77aa11bb@db.example:5432/ko",
}
SSH_PASSWORD = "ssh-Pw-0b9c8d7e"
BECOME_PASSWORD = "sudo-Pw-3e4f5a6b"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def files_holding(root: Path, needles: list[str]) -> dict[str, list[str]]:
    """{secret: [files whose bytes contain it]} under root (sockets and such skipped)."""
    found: dict[str, list[str]] = {}
    for path in root.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue  # removed meanwhile (ansible-runner's partial event files come and go)
        for needle in needles:
            if needle.encode() in data:
                found.setdefault(needle, []).append(str(path.relative_to(root)))
    return found


def prepared(workdir: Path, release: Path, phase: str) -> runner.PhaseRun:
    """The operation's directory written by `prepare`, and the phase that runs the playbook."""
    node = runner.NodeAccess(
        name="controller",
        ip="127.0.0.1",
        port=22,
        username="deployer",  # not root: the become password is rendered too
        host_key=None,
        password=SSH_PASSWORD,
        become_password=BECOME_PASSWORD,
        hostvars={"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
    )
    runner.prepare(workdir, [node])
    extravars = {
        "release": str(release),
        "ssh_password_sha256": sha256(SSH_PASSWORD),
        "become_password_sha256": sha256(BECOME_PASSWORD),
        "ansible_become": False,  # no sudo on the controller; the password is rendered all the same
    }
    return runner.PhaseRun(OPERATION, phase, PLAYBOOK, workdir, extravars=extravars, timeout_seconds=120)


def test_no_secret_is_on_disk_or_in_the_child_environment_mid_phase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SERVICE_SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SSH_AUTH_SOCK", str(tmp_path / "service-agent.sock"))
    data_dir = tmp_path / "data"
    workdir = data_dir / "operations" / OPERATION
    release = tmp_path / "release"
    run = prepared(workdir, release, "secrets")
    waiting = threading.Event()
    events: list[runner.AnsibleEvent] = []

    def on_event(event: runner.AnsibleEvent) -> None:
        events.append(event)
        if event.kind == "task_start" and event.task == "Secrets | Wait for the test":
            waiting.set()

    outcome: list[runner.PhaseResult] = []
    thread = threading.Thread(target=lambda: outcome.append(runner.run_phase(run, on_event, threading.Event())))
    thread.start()
    try:
        assert waiting.wait(60), [e.excerpt for e in events]
        key = vault.key_of(workdir)
        assert key is not None
        secrets = [*SERVICE_SECRETS.values(), "db-Pw-77aa11bb", SSH_PASSWORD, BECOME_PASSWORD, key]
        assert list((workdir / "runs" / "secrets" / "artifacts").glob("*/command"))  # what ansible-runner dumps
        assert files_holding(data_dir, secrets) == {}
        assert files_holding(runner.control_dir(workdir), secrets) == {}

        children = runner.processes_of(OPERATION)
        assert children, "ansible-playbook carries the operation's marker"
        for pid in children:
            try:
                environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                argv = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            names = {item.split(b"=", 1)[0].decode() for item in environ if item}
            assert not names & {*SERVICE_SECRETS, "SSH_AUTH_SOCK"}, pid
            assert not any(s.encode() in b"\0".join([*environ, argv]) for s in secrets), pid
    finally:
        release.touch()
        thread.join(60)
    assert outcome and outcome[0].status == "succeeded", [e.excerpt for e in events]
    runner.cleanup(workdir)
    assert vault.key_of(workdir) is None


def test_the_service_noise_stays_out_of_the_events_and_ansible_warnings_stay(tmp_path: Path) -> None:
    """The playbook's filter plugin emits a Python warning in ansible-playbook; its second play names
    a group without hosts, which Ansible warns about."""
    release = tmp_path / "release"
    release.touch()
    events: list[runner.AnsibleEvent] = []
    result = runner.run_phase(prepared(tmp_path / OPERATION, release, "noise"), events.append, threading.Event())
    texts = [e.excerpt for e in events]
    assert result.status == "succeeded", texts
    assert not [t for t in texts if "Warning:" in t or "warnings.warn" in t or "Vault password" in t], texts
    assert any("Could not match supplied host pattern" in t and "ko_absent_group" in t for t in texts), texts
    runner.cleanup(tmp_path / OPERATION)


def test_a_python_warning_s_two_lines_are_dropped_and_nothing_else() -> None:
    got: list[runner.AnsibleEvent] = []
    handle = runner.handler(got.append)
    lines = [
        "/venv/lib/python3.11/site-packages/ansible/_internal/_ssh/_ssh_agent.py:18: "
        "CryptographyDeprecationWarning: DSA is deprecated and support will be removed in a future release.",
        "  from cryptography.hazmat.primitives.asymmetric.dsa import (",
        "Vault password (ko): ",
        "[WARNING]: Could not match supplied host pattern, ignoring: ko_absent_group",
        "  an indented line of the playbook's own",
    ]
    for line in lines:
        assert handle({"event": "verbose", "stdout": line}) is False  # no event file kept
    assert [e.excerpt for e in got] == [lines[3], lines[4].strip()]
    assert all(e.kind == "output" for e in got)


def test_the_child_environment_is_an_allow_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KO_SECRET_KEY", "x" * 32)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    ours = runner.ansible_env(runner.PhaseRun(OPERATION, "demo", PLAYBOOK, tmp_path))
    prepared = {
        **os.environ,
        **ours,
        "ANSIBLE_STDOUT_CALLBACK": "awx_display",
        "AWX_ISOLATED_DATA_DIR": "/x",
        "AWS_SECRET_ACCESS_KEY": "y",
    }
    env = runner.child_env(prepared, ours)
    assert "KO_SECRET_KEY" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert env["LC_ALL"] == "C.UTF-8" and env["ANSIBLE_STDOUT_CALLBACK"] == "awx_display"
    assert env[runner.MARKER] == OPERATION and env["PYTHONWARNINGS"] == "ignore"
