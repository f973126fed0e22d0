"""One phase of an operation: one playbook through ansible-runner, its events normalised as they happen.

The operation layer (queue, counters, storage, resume) sits above this module; here is only what
running a playbook safely needs:

- **Secrets on disk**: none in plain text but the private keys. The inventory's SSH and sudo
  passwords are Ansible Vault ciphertext whose key is only in this process's memory and reaches
  ansible-playbook through its prompt (`vault`). The private keys are files of mode 0600 (`ssh -i`
  needs a file; ansible-core takes no key from memory), written without their passphrase (ssh would
  prompt for it), in the operation's private directory (0700) that the caller deletes when the
  operation ends (`cleanup`). An ssh-agent per operation would spare the file, at the price of one
  more process to keep alive across phases and resumes and to kill on every way out: not done.
  ansible-runner writes no env files, and the `command` file it always writes (argv, environment)
  holds nothing secret: the phase's environment is an allow-list (`child_env`), never the service's
  own (KO_* secrets, SSH_AUTH_SOCK), and the extra-vars on the command line carry no secret (the
  caller's duty). While ssh logs in by password, ansible-core hands the password over in a
  shared-memory segment (/dev/shm: memory, removed after the login).
- **Noise**: Python warnings of the libraries Ansible runs on (a CryptographyDeprecationWarning, say)
  are not the user's business: silenced in the child (PYTHONWARNINGS) and dropped from the events if
  one slips through; Ansible's own [WARNING] lines about the user's hosts and playbooks stay.
- **Host keys**: Ansible checks every host against the key the inventory recorded and an
  administrator accepted (`StrictHostKeyChecking=yes`): a deploy never trusts a key on first use.
- **Cancel** within a fraction of a second: ansible-runner polls `cancel_callback` every
  `POLL_SECONDS` and kills the playbook's process group.
- **Orphans**: every process of a phase carries `KO_OPERATION_ID` in its environment, so a worker
  resuming after a crash (kill -9 leaves ansible-playbook running) finds and kills them first.
- **Events**: every Ansible event becomes an `AnsibleEvent` (host, task, status, changed, duration,
  a bounded output excerpt) handed to the caller's callback from the runner's thread.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncssh
import yaml
from ansible_runner import Runner, RunnerConfig

from ko_common.operations.ansible import vault
from ko_common.operations.executors import PhaseResult, StepEvent

POLL_SECONDS = 0.25
EXCERPT_CHARS = 2000
MAX_FORKS = 50
MARKER = "KO_OPERATION_ID"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# A Python warning as the warnings module prints it: "<file>.py:<line>: <Category>Warning: <message>",
# then the source line, indented. Ansible's own warnings read "[WARNING]: ..." and do not match.
_PY_WARNING = re.compile(r"^\S[^\n]*\.py:\d+: [\w.]*Warning: ")
# The phase's environment: these from the service's own, when set (locale, home, temp, CA bundles)...
_INHERITED = frozenset({"HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR"})
# ...and these that ansible-runner sets for its event callback (besides ours, `ansible_env`).
_RUNNER_SETS = frozenset(
    {
        "ANSIBLE_STDOUT_CALLBACK",
        "ORIGINAL_STDOUT_CALLBACK",
        "ANSIBLE_CALLBACK_PLUGINS",
        "AWX_ISOLATED_DATA_DIR",
        "ANSIBLE_RETRY_FILES_ENABLED",
        "ANSIBLE_HOST_KEY_CHECKING",
        "ANSIBLE_CACHE_PLUGIN",
        "ANSIBLE_CACHE_PLUGIN_CONNECTION",
    }
)

# Ansible event name -> (our kind, status)
_KINDS: dict[str, tuple[str, str]] = {
    "playbook_on_play_start": ("play_start", "running"),
    "playbook_on_task_start": ("task_start", "running"),
    "playbook_on_handler_task_start": ("task_start", "running"),
    "runner_on_ok": ("task_result", "ok"),
    "runner_on_failed": ("task_result", "failed"),
    "runner_on_unreachable": ("task_result", "unreachable"),
    "runner_on_skipped": ("task_result", "skipped"),
    "runner_item_on_ok": ("item_result", "ok"),
    "runner_item_on_failed": ("item_result", "failed"),
    "runner_item_on_skipped": ("item_result", "skipped"),
    "runner_on_async_failed": ("task_result", "failed"),
    "playbook_on_stats": ("stats", "done"),
    "runner_retry": ("retry", "running"),
    "warning": ("warning", "warning"),
    "error": ("error", "failed"),
}


@dataclass(frozen=True)
class NodeAccess:
    """How Ansible reaches one node; secrets are kept out of repr."""

    name: str
    ip: str
    port: int
    username: str
    host_key: str | None
    groups: tuple[str, ...] = ()
    hostvars: dict[str, Any] = field(default_factory=dict)
    password: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)
    become_password: str | None = field(default=None, repr=False)


# Ansible's events are the engine's step events; a phase's result is the engine's.
AnsibleEvent = StepEvent


@dataclass(frozen=True)
class PhaseRun:
    operation_id: str
    phase: str
    playbook: Path  # absolute path of the playbook
    workdir: Path  # the operation's private directory (0700); `prepare` fills it
    extravars: dict[str, Any] = field(default_factory=dict)
    timeout_seconds: int = 3600
    envvars: dict[str, str] = field(default_factory=dict)


def prepare(workdir: Path, nodes: list[NodeAccess], group_vars: dict[str, Any] | None = None) -> Path:
    """Write the inventory, keys and known_hosts of an operation into ``workdir`` (all 0600, dir 0700).

    Passwords are sealed with a new vault key kept in this process (`vault`): the phases run by
    this process after this call can read them. Returns the inventory path. Called again on
    resume: it rewrites everything from the stored spec.
    """
    workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(workdir, 0o700)
    vault.new_key(workdir)
    keys = workdir / "keys"
    keys.mkdir(exist_ok=True, mode=0o700)
    known = []
    hosts: dict[str, Any] = {}
    groups: dict[str, dict[str, Any]] = {}
    for i, node in enumerate(nodes):
        vars_: dict[str, Any] = {
            "ansible_host": node.ip,
            "ansible_port": node.port,
            "ansible_user": node.username,
            **node.hostvars,
        }
        if node.private_key is not None:
            key_file = keys / f"node-{i}.key"
            # Written without its passphrase (ssh would otherwise prompt): the file is 0600 in a 0700
            # directory that lives only as long as the operation.
            plain = asyncssh.import_private_key(node.private_key, node.passphrase).export_private_key("openssh")
            _write_secret(key_file, plain.decode())
            vars_["ansible_ssh_private_key_file"] = str(key_file)
        elif node.password is not None:
            vars_["ansible_password"] = vault.seal(workdir, node.password)
        if node.username != "root":
            vars_["ansible_become"] = True
            if node.become_password or node.password:
                vars_["ansible_become_password"] = vault.seal(workdir, node.become_password or node.password or "")
        hosts[node.name] = vars_
        for group in node.groups:
            groups.setdefault(group, {"hosts": {}})["hosts"][node.name] = None
        if node.host_key:
            where = node.ip if node.port == 22 else f"[{node.ip}]:{node.port}"
            known.append(f"{where} {node.host_key}")
    inventory = {"all": {"hosts": hosts, "children": groups, "vars": group_vars or {}}}
    path = workdir / "inventory.yml"
    # In the spec's order: a group's first host is the one the kind put first (e.g. `masters[0]`).
    _write_secret(path, yaml.dump(inventory, Dumper=vault.Dumper, sort_keys=False))
    _write_secret(workdir / "known_hosts", "\n".join(known) + "\n")
    control_dir(workdir)
    return path


def control_dir(workdir: Path) -> Path:
    """A short directory for ssh's control sockets (a socket path must fit in 108 bytes).

    Under the temp directory, named after the operation directory, created 0700 and refused when
    it exists but is not ours (another user could otherwise plant one).
    """
    digest = hashlib.sha256(str(workdir.resolve()).encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"ko-cp-{digest}"
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        info = path.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            raise RuntimeError(f"{path} exists and is not this service's directory: remove it") from None
    os.chmod(path, 0o700)
    return path


def forks(workdir: Path) -> int:
    """Ansible's forks for the operation: its number of nodes (at least 5, Ansible's default; at
    most MAX_FORKS), so that a task reaches every node in one wave."""
    try:
        inventory = yaml.load((workdir / "inventory.yml").read_text(), Loader=vault.Loader) or {}  # noqa: S506 - SafeLoader + !vault
        hosts = len((inventory.get("all") or {}).get("hosts") or {})
    except (OSError, yaml.YAMLError):
        hosts = 0
    return max(5, min(MAX_FORKS, hosts))


def ansible_env(run: PhaseRun) -> dict[str, str]:
    """The environment of a phase's ansible-playbook: Ansible's settings (by their ANSIBLE_* names,
    which ansible-core ignores silently when misspelt) and the operation's marker."""
    ssh_args = (
        f"-o UserKnownHostsFile={run.workdir / 'known_hosts'} -o StrictHostKeyChecking=yes "
        "-o ControlMaster=auto -o ControlPersist=30s -o ServerAliveInterval=15 -o ConnectTimeout=10"
    )
    envvars: dict[str, str] = {
        MARKER: run.operation_id,
        # ansible-playbook comes with this Python (ansible-core is a dependency), wherever PATH points.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        "ANSIBLE_SSH_ARGS": ssh_args,
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(control_dir(run.workdir)),
        "ANSIBLE_SSH_PASSWORD_MECHANISM": "ssh_askpass",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_LOCAL_TEMP": str(run.workdir / "tmp"),
        # Facts are gathered once per operation (the first phase), then read from this cache by
        # every later phase: ANSIBLE_CACHE_PLUGIN* are the settings' real names (ansible-config).
        "ANSIBLE_GATHERING": "smart",
        "ANSIBLE_CACHE_PLUGIN": "jsonfile",
        "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(run.workdir / "facts"),
        # Every node of the cluster at once: a task runs on all of them in one wave.
        "ANSIBLE_FORKS": str(forks(run.workdir)),
        # The libraries' Python warnings (cryptography's deprecations, say) would become lines of
        # the user's log; Ansible's own warnings are not Python warnings and stay.
        "PYTHONWARNINGS": "ignore",
        **run.envvars,
    }
    return envvars


def child_env(prepared: dict[str, str], ours: dict[str, str]) -> dict[str, str]:
    """The environment ansible-playbook gets, from the one ansible-runner prepared (the service's
    whole environment, ours and its own on top): ours, ansible-runner's own and a few harmless
    variables of the service's (`_INHERITED`, LC_*). Nothing else: not the service's secrets."""
    return {
        k: v for k, v in prepared.items() if k in ours or k in _RUNNER_SETS or k in _INHERITED or k.startswith("LC_")
    }


def run_phase(run: PhaseRun, on_event: Callable[[AnsibleEvent], None], cancelled: threading.Event) -> PhaseResult:
    """Run one playbook to its end (blocking: call it in a thread). ``on_event`` is called in order.

    The caller kills a crashed worker's leftovers first (`kill_orphans`, once per resumed run).
    """
    private = run.workdir / "runs" / run.phase
    if private.exists():
        shutil.rmtree(private)
    private.mkdir(parents=True, mode=0o700)
    envvars = ansible_env(run)
    config = RunnerConfig(
        private_data_dir=str(private),
        playbook=str(run.playbook),
        inventory=str(run.workdir / "inventory.yml"),
        extravars=run.extravars,
        envvars=envvars,
        quiet=True,
        suppress_env_files=True,
        # ansible-runner would otherwise point the fact cache into this phase's own artifacts
        # (deleted with it): the operation's cache of ansible_env is kept across phases.
        fact_cache_type="operation",
        timeout=run.timeout_seconds,
        settings={"pexpect_timeout": POLL_SECONDS, "suppress_ansible_output": True},
        **vault.runner_kwargs(run.workdir),
    )
    config.prepare()
    # ansible-runner seeds the child's environment with the service's whole environment and has
    # no option not to: its documented objects (RunnerConfig, then Runner) let us narrow it before
    # it is used, for the child and for the `command` file it dumps into the artifacts.
    config.env = child_env(config.env, envvars)
    result = Runner(config, event_handler=handler(on_event), cancel_callback=cancelled.is_set)
    result.run()
    status = {"successful": "succeeded", "canceled": "cancelled", "timeout": "timeout"}.get(result.status, "failed")
    if status in ("cancelled", "timeout"):
        # ansible-runner kills the playbook's process group; its ssh children and control masters
        # live in groups of their own and would keep the remote commands running.
        kill_orphans(run.operation_id)
    stats = result.stats or {}
    return PhaseResult(status=status, rc=result.rc, stats=stats)


def handler(on_event: Callable[[AnsibleEvent], None]) -> Callable[[dict[str, Any]], bool]:
    """ansible-runner's event handler for one phase: normalises, drops noise, keeps no event file."""
    source_line_next = False

    def handle(event: dict[str, Any]) -> bool:
        nonlocal source_line_next
        # A Python warning's second line, its source line indented, comes as an event of its own.
        if source_line_next and plain_output(event) and str(event.get("stdout") or "").startswith(" "):
            source_line_next = False
            return False
        source_line_next = python_warning(event)
        normalised = normalise(event)
        if normalised is not None:
            on_event(normalised)
        return False  # ansible-runner need not keep the event file (no copies of output on disk)

    return handle


def plain_output(event: dict[str, Any]) -> bool:
    """A line of the playbook's output that is no Ansible event (verbose text, stderr)."""
    return str(event.get("event", "")) not in _KINDS


def python_warning(event: dict[str, Any]) -> bool:
    """A Python warning's first line (the warnings module prints a second, the source line)."""
    return plain_output(event) and bool(_PY_WARNING.match(_ANSI.sub("", str(event.get("stdout") or "")).strip()))


def normalise(event: dict[str, Any]) -> AnsibleEvent | None:
    name = str(event.get("event", ""))
    data = event.get("event_data") or {}
    kind, status = _KINDS.get(name, ("output", "running"))
    stdout = _ANSI.sub("", str(event.get("stdout") or "")).strip()
    if kind == "output" and (not stdout or vault.PROMPT_LINE.match(stdout) or python_warning(event)):
        return None  # verbose noise without text, the vault's prompt, a library's Python warning
    res = data.get("res") or {}
    changed = bool(res.get("changed")) if isinstance(res, dict) else False
    if kind in ("task_result", "item_result") and status == "ok" and changed:
        status = "changed"
    excerpt = stdout
    if status in ("failed", "unreachable") and isinstance(res, dict):
        details = [str(res.get(k)) for k in ("msg", "stderr", "module_stderr") if res.get(k)]
        excerpt = "\n".join([stdout, *details]).strip()
    duration = data.get("duration")
    created = event.get("created")
    try:
        when = datetime.fromisoformat(created).replace(tzinfo=UTC) if created else datetime.now(UTC)
    except ValueError:
        when = datetime.now(UTC)
    extra: dict[str, Any] = {}
    if kind == "stats":
        extra = {k: data.get(k) or {} for k in ("ok", "changed", "failures", "dark", "skipped", "rescued", "ignored")}
    return AnsibleEvent(
        kind=kind,
        status=status,
        host=data.get("host"),
        task=data.get("task") or None,
        play=data.get("play") or None,
        changed=changed,
        duration_ms=int(duration * 1000) if isinstance(duration, int | float) else None,
        excerpt=bound(excerpt),
        time=when,
        data=extra,
    )


def bound(text: str, limit: int = EXCERPT_CHARS) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2 - 10
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters cut ...]\n{text[-half:]}"


# Known causes of failures, matched against the failed task's output: (pattern, hint).
HINTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.I), h)
    for p, h in (
        (
            r"UNREACHABLE|Connection timed out|No route to host|Connection refused",
            "The host cannot be reached over SSH: check that it is up, the address and port, and the firewall.",
        ),
        (
            r"Permission denied|Invalid/incorrect password|Authentication failed|Missing sudo password",
            "The login or sudo was refused: check the host's credential in the inventory.",
        ),
        (
            r"Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED",
            "The host's SSH key is not the one the inventory recorded: check the host, then accept the new key.",
        ),
        (
            r"address already in use|port .* (is )?(already )?in use",
            "A port the deploy needs is taken by another program: see the host's facts (ports in use).",
        ),
        (
            r"No space left on device|disk (is )?full",
            "A disk on the host is full: free space (see the host's facts) and retry.",
        ),
        (
            r"checksum mismatch|does not match (the )?(expected )?(sha256|checksum)|sha256.*mismatch",
            "A downloaded file does not match the offline package's checksum: re-import the package.",
        ),
        (
            r"Unable to locate package|No package .* available|No matching packages|404\s+Not Found|Failed to fetch",
            "A package is missing from the offline repository: check the offline package of this version.",
        ),
        (
            r"Cannot allocate memory|Out of memory|MemoryError",
            "The host ran out of memory: give it more, or stop what uses it.",
        ),
    )
)


def hint_for(text: str) -> str | None:
    for pattern, hint in HINTS:
        if pattern.search(text):
            return hint
    return None


def cleanup(workdir: Path) -> None:
    """End of an operation: close Ansible's SSH masters, kill leftovers, delete every secret file."""
    close_connections(workdir)
    remove_files(workdir)


def close_connections(workdir: Path) -> None:
    """Closes the operation's SSH masters (up to 10 s each for a host that stopped answering) and kills leftovers."""
    cp = control_dir(workdir)
    if cp.is_dir():
        for sock in cp.iterdir():
            if stat.S_ISSOCK(sock.lstat().st_mode):
                subprocess.run(
                    ["ssh", "-o", f"ControlPath={sock}", "-O", "exit", "ko-control-master"],
                    capture_output=True,
                    timeout=10,
                    check=False,
                )
    kill_orphans(workdir.name)


def remove_files(workdir: Path) -> None:
    """Deletes the operation's work directory (keys, inventory, artifacts) and its SSH control sockets, and
    forgets its vault key: fast."""
    vault.forget(workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    shutil.rmtree(control_dir(workdir), ignore_errors=True)


def processes_of(operation_id: str) -> list[int]:
    """Every process of this machine whose environment names this operation (zombies have none)."""
    needle = f"{MARKER}={operation_id}".encode()
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def kill_orphans(operation_id: str) -> list[int]:
    """Kill every process of this machine whose environment names this operation (after a worker crash)."""
    killed = []
    for pid in processes_of(operation_id):
        try:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        except ProcessLookupError:
            pass
    return killed


def _write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


def dumps(event: AnsibleEvent) -> str:
    return json.dumps({**event.__dict__, "time": event.time.isoformat()})
