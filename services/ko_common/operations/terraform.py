"""The Terraform executor: a phase applies (or destroys) one Terraform root module, offline.

A phase's target is a module directory relative to `modules_dir`; `<module>:destroy` destroys what
that module created (`terraform apply -destroy`). Absolute targets, `..` and anything resolving
outside `modules_dir` are refused with the phase's failure, before anything runs.

What a phase guarantees:
- **Working copy**: `modules_dir` is copied into the run's private directory (relative module sources
  keep working; `.terraform` and state files are not copied), and an override file pins the local
  backend at a state file of the run's own: the module's backend block, if any, is never used.
- **State**: the `StateStore` (key: the operation's cluster id + "/" + module) is authoritative. The
  state is restored before `init` and saved after every run of the phase, failed, cancelled and
  timed-out ones included: Terraform's local backend writes the state after each resource, so a
  partial apply is kept. A worker killed outright leaves its working copy behind; the next run of
  the operation on this machine saves that state first (`prepare`) when it is newer than the store's.
- **Variables**: `spec["terraform"]["vars"]` for every phase, `spec["terraform"]["phases"][<phase
  name>]["vars"]` on top of them (each variable replaced whole). They reach Terraform only in a
  `-var-file` of mode 0600 in the run's directory, deleted after the phase: never on a command line.
  Values of variables named in `spec["terraform"]["sensitive"]` or whose name says secret (password,
  token, secret, private key, credential) and sensitive outputs are replaced by "(sensitive)" in
  every event; nothing of a variable is logged. The state itself holds values in plain text: the
  store must be private (the local one writes 0600 files in a 0700 directory).
- **Offline**: `init -plugin-dir` (the offline package's provider mirror; an empty directory when
  none is given, so a provider missing from the mirror fails at once instead of waiting on the
  network), an empty CLI configuration of the run's own (no plugin cache, no registry credentials),
  `CHECKPOINT_DISABLE`, `TF_IN_AUTOMATION`. The environment is an allow-list (`child_env`): never the
  service's KO_* secrets, TF_LOG or TF_PLUGIN_CACHE_DIR.
- **Events**: `apply -json` is read line by line as Terraform writes it and each message becomes a
  `StepEvent` at once (host = resource address, task = the action or provisioner).
- **Outputs**: after an apply, `terraform output -json` into `run.artifacts/terraform-outputs.json`
  (0600), keyed by phase name: `{"module", "outputs": {name: value}, "sensitive": [names]}`.
- **Cancel and timeout**: SIGINT to Terraform within `POLL_SECONDS` of the mark (it stops starting
  resources and writes its state), SIGKILL after `grace_seconds`. Whatever the phase leaves running
  (a local-exec's children outlive Terraform) is killed when it ends.
- **Orphans**: every process of a phase carries `MARKER` in its environment; `kill_orphans` (a worker
  resuming after a crash) interrupts them, waits a moment for their state, then kills them.

Why subprocess, not python-terraform: its `cmd` reads the whole output with `communicate()` (no
streaming) and cannot be cancelled, passes either the service's whole environment or none, writes
dict variables to a temp file outside the run's directory, logs Terraform's stderr at WARNING (a
diagnostic may quote a variable) and still sends `destroy -force`, which Terraform 1.x removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import IO, Any, Protocol
from urllib.parse import quote, unquote

from ko_common.operations.executors import (
    EXCERPT_CHARS,
    BaseExecutor,
    Emit,
    OperationRun,
    PhaseResult,
    PhaseStep,
    StepEvent,
    step_event,
)
from ko_common.operations.schemas import Failure

log = logging.getLogger(__name__)

MARKER = "KO_TERRAFORM_OPERATION_ID"
DESTROY = ":destroy"
OUTPUTS_FILE = "terraform-outputs.json"
SENSITIVE = "(sensitive)"
POLL_SECONDS = 0.1
GRACE_SECONDS = 10.0  # within the worker's 15 s wait on stop, so a stopping worker still saves the state
ORPHAN_GRACE_SECONDS = 3.0
MIN_SECRET_CHARS = 3  # shorter values would blank ordinary words out of every event
_SECRET_NAME = re.compile(r"pass(word|wd)?|secret|token|private_?key|api_?key|credential", re.I)
_INHERITED = frozenset({"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "SSL_CERT_FILE",
                        "SSL_CERT_DIR"})  # fmt: skip
_CHANGES = frozenset({"create", "update", "delete", "replace", "import", "forget"})
_QUIET = frozenset({"version", "planned_change", "resource_drift", "refresh_start"})


class StateStore(Protocol):
    """Where a module's Terraform state lives between runs (bytes as Terraform wrote them)."""

    async def load(self, key: str) -> bytes | None: ...

    async def save(self, key: str, data: bytes) -> None: ...


class LocalStateStore:
    """States as files of mode 0600 in a directory of mode 0700; the previous one kept as `.backup`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / f"{quote(key, safe='')}.tfstate"

    async def load(self, key: str) -> bytes | None:
        path = self.path(key)
        return await asyncio.to_thread(path.read_bytes) if path.is_file() else None

    async def save(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._save, key, data)

    def _save(self, key: str, data: bytes) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.path(key)
        if path.is_file():  # copied, not moved: a crash between the two writes still leaves a state
            write_private(path.with_name(path.name + ".backup"), path.read_bytes())
        write_private(path, data)


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner reads, atomically (a reader never sees half a state)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


class Scrubber:
    """Replaces secret values (and their JSON-escaped spellings, as Terraform quotes commands) in text."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()

    def add(self, value: Any) -> None:
        for text in _leaves(value):
            if len(text) >= MIN_SECRET_CHARS:
                self.secrets |= {text, json.dumps(text)[1:-1]}

    def __call__(self, text: str | None) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if text and secret in text:
                text = text.replace(secret, SENSITIVE)
        return text or ""


def _leaves(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    elif value is not None:
        yield str(value).lower() if isinstance(value, bool) else str(value)


class Translator:
    """Terraform's machine-readable UI (one JSON message a line) to the engine's step events."""

    def __init__(self, emit: Emit, scrub: Scrubber) -> None:
        self.emit, self.scrub = emit, scrub
        self.error: dict[str, Any] | None = None  # the first error diagnostic, one naming a resource first
        self.errored: dict[str, str] = {}  # resource address -> the action that failed
        self.lines: deque[str] = deque(maxlen=200)  # the last lines that are no JSON (init's output, a crash)

    def line(self, raw: str) -> None:
        raw = raw.rstrip("\n")
        try:
            msg = json.loads(raw) if raw.startswith("{") else None
        except ValueError:
            msg = None
        if not isinstance(msg, dict):
            if raw.strip():
                self.lines.append(raw)
                self.send("output", "running", raw)
            return
        kind, text = str(msg.get("type", "")), str(msg.get("@message", ""))
        hook = msg.get("hook") or {}
        addr = (hook.get("resource") or {}).get("addr")
        action = hook.get("action")
        seconds = hook.get("elapsed_seconds")
        ms = int(seconds * 1000) if isinstance(seconds, int | float) else None
        if kind in _QUIET:
            return
        if kind == "apply_start":
            self.send("task_start", "running", text, host=addr, task=action)
        elif kind == "apply_complete":
            changed = action in _CHANGES
            self.send("task_result", "changed" if changed else "ok", text, host=addr, task=action, changed=changed,
                      ms=ms)  # fmt: skip
        elif kind == "apply_progress":
            self.send("output", "running", text, host=addr, task=action, ms=ms)
        elif kind == "apply_errored":
            self.errored.setdefault(str(addr), str(action))
            self.send("task_result", "failed", text, host=addr, task=action, ms=ms)
        elif kind == "refresh_complete":
            self.send("task_result", "ok", text, host=addr, task="refresh")
        elif kind.startswith("provision_"):
            failed = kind == "provision_errored"
            self.send("task_result" if failed else "output", "failed" if failed else "running",
                      str(hook.get("output") or text), host=addr, task=hook.get("provisioner"))  # fmt: skip
        elif kind == "diagnostic":
            self.diagnostic(msg.get("diagnostic") or {})
        elif kind == "change_summary":
            changes = msg.get("changes") or {}
            if changes.get("operation") == "plan":
                self.send("output", "running", text)
            else:
                data = {k: changes.get(k, 0) for k in ("add", "change", "remove", "import")}
                self.emit(StepEvent(kind="stats", status="done", host=None, task=None, play=None,
                                    changed=any(data.values()), duration_ms=None, excerpt=self.scrub(text),
                                    time=step_event("stats", "done", "").time, data=data))  # fmt: skip
        elif kind == "outputs":
            outputs = msg.get("outputs") or {}
            if outputs and all("action" not in o for o in outputs.values()):  # the plan's list has no values
                self.send("output", "ok", "Outputs: " + ", ".join(_shown(n, o) for n, o in sorted(outputs.items())))
        elif text.strip():
            self.send("output", "running", text)

    def diagnostic(self, diag: dict[str, Any]) -> None:
        summary, detail = str(diag.get("summary") or ""), str(diag.get("detail") or "")
        addr = diag.get("address")
        if diag.get("severity") == "error":
            if self.error is None or (addr and not self.error.get("address")):
                self.error = diag
            self.send("error", "failed", f"{summary}\n{detail}".strip(), host=addr)
        else:
            self.send("warning", "warning", f"{summary}\n{detail}".strip(), host=addr)

    def send(self, kind: str, status: str, text: str, *, host: str | None = None, task: str | None = None,
             changed: bool = False, ms: int | None = None) -> None:  # fmt: skip
        self.emit(step_event(kind, status, self.scrub(text), host=self.scrub(host) or None,
                             task=task or None, changed=changed, duration_ms=ms))  # fmt: skip

    def failure(self, phase: str, what: str, hint_for: Callable[[str], str | None]) -> Failure:
        """The phase's failure: the resource that failed and Terraform's error about it."""
        diag = self.error or {}
        summary, detail = str(diag.get("summary") or ""), str(diag.get("detail") or "")
        addr = self.scrub(diag.get("address") or next(iter(self.errored), None)) or None
        action = self.errored.get(str(addr)) if addr else None
        text = self.scrub(f"{summary}: {detail}" if detail else summary) or self.scrub(_error_text(self.lines))
        first = next((line.strip() for line in text.splitlines() if line.strip()), "no error message")
        first = first.removeprefix("Error: ")
        where = (
            f"{addr} failed to {action}"
            if addr and action
            else (f"{addr} failed" if addr else f"terraform {what} failed")
        )
        return Failure(message=f"Phase {phase}: {where}: {first}"[:500], phase=phase, host=addr, task=action or what,
                       excerpt=text[-EXCERPT_CHARS:], hint=hint_for(text))  # fmt: skip


def _error_text(lines: Iterable[str]) -> str:
    """Terraform's text from its first error on (init has no JSON), without the box drawing."""
    clean = [line.strip("│╷╵ \t") for line in lines]
    start = next((i for i, line in enumerate(clean) if line.startswith("Error")), max(0, len(clean) - 20))
    return "\n".join(line for line in clean[start:] if line)


def _shown(name: str, output: dict[str, Any]) -> str:
    return f"{name} = {SENSITIVE}" if output.get("sensitive") else f"{name} = {json.dumps(output.get('value'))}"


class TerraformExecutor(BaseExecutor):
    name = "terraform"

    def __init__(self, modules_dir: Path, *, plugin_dir: Path | None, state: StateStore,
                 terraform_bin: str = "terraform", grace_seconds: float = GRACE_SECONDS) -> None:  # fmt: skip
        self.modules_dir = modules_dir.resolve()
        self.plugin_dir = plugin_dir
        self.state = state
        self.terraform_bin = terraform_bin
        self.grace = grace_seconds
        self._active: set[str] = set()  # operations whose phase this process runs (and stops itself)

    async def prepare(self, run: OperationRun) -> None:
        # A worker killed mid-phase leaves Terraform running and its state in the working copy.
        await asyncio.to_thread(self.kill_orphans, run.operation_id)
        for path in sorted((run.workdir / "terraform" / "state").glob("*.tfstate")):
            await self._rescue(unquote(path.name.removesuffix(".tfstate")), path)

    async def _rescue(self, key: str, path: Path) -> None:
        left, stored = _state_id(path.read_bytes()), await self.state.load(key)
        kept = _state_id(stored) if stored is not None else None
        if left is not None and (kept is None or (left[0] == kept[0] and left[1] > kept[1])):
            await self.state.save(key, path.read_bytes())
            log.info("terraform: state of %s left by a stopped run saved (serial %s)", key, left[1])

    async def discard(self, run: OperationRun) -> None:
        await asyncio.to_thread(shutil.rmtree, run.workdir / "terraform", True)

    def kill_orphans(self, operation_id: str) -> None:
        if operation_id not in self._active:  # a phase of ours stops its own, gracefully
            stop_processes(operation_id, ORPHAN_GRACE_SECONDS)

    def hint_for(self, text: str) -> str | None:
        return hint_for(text)

    async def run_phase(self, run: OperationRun, phase: PhaseStep, emit: Emit) -> PhaseResult:
        target = parse_target(self.modules_dir, phase.target)
        given = phase_vars(run.spec.get("terraform"), phase.name)
        problems = [p for p in (target, given) if isinstance(p, str)]
        if shutil.which(self.terraform_bin) is None:
            problems.append(f"the terraform binary {self.terraform_bin!r} is not installed on this machine.")
        if problems:
            message = f"Phase {phase.name}: " + " ".join(problems)
            return PhaseResult("failed", failure=Failure(message=message, phase=phase.name, task=phase.target))
        assert not isinstance(target, str) and not isinstance(given, str)
        (module, destroy), (variables, sensitive) = target, given
        if run.cancel.is_set():
            return PhaseResult("cancelled")
        scrub = Scrubber()
        for name in sensitive:
            scrub.add(variables[name])
        tf = run.workdir / "terraform"
        key = f"{run.cluster_id}/{module}"
        state_file = tf / "state" / f"{quote(key, safe='')}.tfstate"
        var_file = tf / "vars" / f"{quote(phase.name, safe='')}.tfvars.json"
        saved_ok = True
        self._active.add(run.operation_id)
        try:
            # The store is authoritative: what a working copy holds was saved at its phase's end.
            state_file.unlink(missing_ok=True)
            workdir = await asyncio.to_thread(self._working_copy, tf, module, state_file)
            saved = await self.state.load(key)
            if saved is not None:
                write_private(state_file, saved)
            write_private(var_file, json.dumps(variables).encode())
            log.info("terraform: phase %s %s module %s", phase.name, "destroys" if destroy else "applies", module)
            result = await asyncio.to_thread(self._run_phase, run, phase, emit, scrub, workdir, tf, var_file, destroy)
        finally:
            var_file.unlink(missing_ok=True)
            await asyncio.to_thread(stop_processes, run.operation_id, 0)  # a local-exec's leftovers
            self._active.discard(run.operation_id)
            if state_file.is_file():
                saved_ok = await self._save(key, state_file)
        if not saved_ok:
            message = (f"Phase {phase.name}: the Terraform state of {module} could not be saved; "
                       "what this run created is not recorded.")  # fmt: skip
            return PhaseResult("failed", rc=result.rc, failure=Failure(message=message, phase=phase.name,
                               hint="Check the state store (disk space, permissions), then retry."))  # fmt: skip
        log.info("terraform: phase %s ended %s", phase.name, result.status)
        return result

    async def _save(self, key: str, state_file: Path) -> bool:
        for attempt in range(3):
            try:
                await self.state.save(key, state_file.read_bytes())
                return True
            except Exception as exc:  # noqa: BLE001 - retried, then the phase fails naming it
                log.warning("terraform: saving the state of %s failed (%s), attempt %d", key, type(exc).__name__,
                            attempt + 1)  # fmt: skip
                await asyncio.sleep(0.5 * (attempt + 1))
        return False

    def _working_copy(self, tf: Path, module: str, state_file: Path) -> Path:
        copy = tf / "modules"
        shutil.rmtree(copy, ignore_errors=True)
        for sub in ("state", "vars"):
            (tf / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
        tf.chmod(0o700)
        ignore = shutil.ignore_patterns(".terraform", "*.tfstate", "*.tfstate.backup", ".terraform.tfstate.lock.info")
        shutil.copytree(self.modules_dir, copy, ignore=ignore)
        workdir = copy / module
        path = json.dumps(str(state_file)).replace("${", "$${").replace("%{", "%%{")
        (workdir / "ko_state_override.tf").write_text(
            f'terraform {{\n  backend "local" {{\n    path = {path}\n  }}\n}}\n'
        )
        (tf / "terraformrc").write_text("disable_checkpoint = true\n")
        (tf / "empty-mirror").mkdir(exist_ok=True)
        return workdir

    def _run_phase(self, run: OperationRun, phase: PhaseStep, emit: Emit, scrub: Scrubber, workdir: Path,
                   tf: Path, var_file: Path, destroy: bool) -> PhaseResult:  # fmt: skip
        deadline = time.monotonic() + run.timeout_seconds
        env = child_env(dict(os.environ), run.operation_id, tf / "terraformrc")
        step = Translator(emit, scrub)
        mirror = self.plugin_dir or tf / "empty-mirror"
        init = [self.terraform_bin, "init", "-input=false", "-no-color", f"-plugin-dir={mirror}"]
        init_out = Translator(lambda _: None, scrub)  # init's text is shown only when it fails
        rc, stopped = self._run(init, workdir, env, init_out.line, run.cancel, deadline)
        if stopped is None and rc == 0:
            source = "the offline provider mirror" if self.plugin_dir else "built-in providers only"
            emit(step_event("output", "ok", f"Terraform initialised ({source}).", task="init"))
            apply = [self.terraform_bin, "apply", "-auto-approve", "-input=false", "-json", f"-var-file={var_file}"]
            rc, stopped = self._run(apply + (["-destroy"] if destroy else []), workdir, env, step.line, run.cancel,
                                    deadline)  # fmt: skip
            what = "destroy" if destroy else "apply"
        else:
            what = "init"
            step = init_out
            if stopped is None:
                text = scrub("\n".join(list(init_out.lines)[-40:]))
                emit(step_event("error", "failed", text, task="init"))
        if rc == 0:
            outputs = self._outputs(workdir, env, run, phase, scrub, deadline)
            if outputs is not None:
                return PhaseResult("succeeded", rc=0)
            if run.cancel.is_set() or time.monotonic() > deadline:
                return PhaseResult("cancelled" if run.cancel.is_set() else "timeout", rc=rc)
            message = f"Phase {phase.name}: the {what} succeeded but its outputs could not be read (terraform output)."
            return PhaseResult("failed", rc=1, failure=Failure(message=message, phase=phase.name, task="output"))
        if stopped is not None:
            return PhaseResult(stopped, rc=rc)
        return PhaseResult("failed", rc=rc, failure=step.failure(phase.name, what, self.hint_for))

    def _outputs(self, workdir: Path, env: dict[str, str], run: OperationRun, phase: PhaseStep, scrub: Scrubber,
                 deadline: float) -> dict[str, Any] | None:  # fmt: skip
        chunks: list[str] = []
        rc, stopped = self._run([self.terraform_bin, "output", "-json", "-no-color"], workdir, env, chunks.append,
                                run.cancel, deadline)  # fmt: skip
        if rc != 0 or stopped is not None:
            return None
        try:
            raw = json.loads("".join(chunks) or "{}")
        except ValueError:
            return None
        sensitive = sorted(name for name, o in raw.items() if o.get("sensitive"))
        for name in sensitive:
            scrub.add(raw[name].get("value"))
        outputs = {name: o.get("value") for name, o in raw.items()}
        path = run.artifacts / OUTPUTS_FILE
        run.artifacts.mkdir(mode=0o700, parents=True, exist_ok=True)
        every = json.loads(path.read_text()) if path.is_file() else {}
        module = phase.target.removesuffix(DESTROY)
        every[phase.name] = {"module": module, "outputs": outputs, "sensitive": sensitive}
        write_private(path, json.dumps(every, indent=2, sort_keys=True).encode())
        return outputs

    def _run(self, argv: list[str], cwd: Path, env: dict[str, str], on_line: Callable[[str], None],
             cancel: threading.Event, deadline: float) -> tuple[int | None, str | None]:  # fmt: skip
        """Run one Terraform command to its end, its lines to `on_line` as they come: (rc, stopped-why)."""
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, errors="replace", start_new_session=True,
        )  # fmt: skip
        assert proc.stdout is not None
        reader = threading.Thread(target=_read_lines, args=(proc.stdout, on_line), daemon=True)
        reader.start()
        stopped: str | None = None
        interrupted = 0.0
        while True:
            try:
                rc: int | None = proc.wait(timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                pass
            if stopped is None and (cancel.is_set() or time.monotonic() > deadline):
                stopped = "cancelled" if cancel.is_set() else "timeout"
                interrupted = time.monotonic()
                proc.send_signal(signal.SIGINT)  # Terraform stops starting resources and writes its state
            elif stopped is not None and time.monotonic() - interrupted > self.grace:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
        reader.join(timeout=5)
        return rc, (stopped if rc != 0 else None)


def _read_lines(stream: IO[str], on_line: Callable[[str], None]) -> None:
    with stream:
        for line in stream:
            try:
                on_line(line)
            except Exception as exc:  # noqa: BLE001 - one bad line must not stop the reading (Terraform would block)
                log.warning("terraform: an output line could not be handled (%s)", type(exc).__name__)


def parse_target(modules_dir: Path, target: str) -> tuple[str, bool] | str:
    """(module, destroy) for a phase target, or why it is refused."""
    destroy = target.endswith(DESTROY)
    module = target.removesuffix(DESTROY).strip().strip("/")
    parts = PurePosixPath(module).parts
    if not module or target.startswith("/") or ".." in parts or "\\" in module:
        return f"the Terraform target {target!r} must be a module directory relative to the modules directory."
    path = (modules_dir / module).resolve()
    if not path.is_relative_to(modules_dir) or not path.is_dir():
        return f"the Terraform target {target!r} is not a module directory of {modules_dir}."
    if not any(path.glob("*.tf")) and not any(path.glob("*.tf.json")):
        return f"the Terraform target {target!r} has no .tf files."
    return str(PurePosixPath(*parts)), destroy


def phase_vars(spec: Any, phase: str) -> tuple[dict[str, Any], set[str]] | str:
    """The phase's variables and the names of the sensitive ones, or every reason the spec is refused."""
    spec = {} if spec is None else spec
    if not isinstance(spec, dict):
        return "spec.terraform must be an object (vars, phases, sensitive)."
    # Absent or null is empty; any other value of the wrong type is refused (not taken as empty).
    phases = _given(spec, "phases", {})
    own = _given(phases, phase, {}) if isinstance(phases, dict) else None
    common, mine = _given(spec, "vars", {}), _given(own, "vars", {}) if isinstance(own, dict) else {}
    names = _given(spec, "sensitive", [])
    problems = [
        f"{where} must be an object of Terraform variables (name: value)."
        for where, value in (("spec.terraform.vars", common), (f"spec.terraform.phases.{phase}.vars", mine))
        if not isinstance(value, dict)
    ]
    if not isinstance(own, dict):
        problems.append("spec.terraform.phases must map phase names to objects with vars.")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        problems.append("spec.terraform.sensitive must be a list of variable names.")
    if problems:
        return " ".join(problems)
    variables = {**common, **mine}
    return variables, {n for n in variables if n in names or _SECRET_NAME.search(n)}


def _given(obj: dict[str, Any], key: str, empty: Any) -> Any:
    value = obj.get(key)
    return empty if value is None else value


def child_env(service_env: dict[str, str], operation_id: str, cli_config: Path) -> dict[str, str]:
    """Terraform's environment: a few harmless variables of the service's, and ours. Nothing else."""
    env = {k: v for k, v in service_env.items() if k in _INHERITED or k.startswith("LC_")}
    env.setdefault("PATH", os.defpath)
    env.update({MARKER: operation_id, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1",
                "TF_CLI_CONFIG_FILE": str(cli_config)})  # fmt: skip
    return env


def _state_id(data: bytes) -> tuple[str, int] | None:
    try:
        state = json.loads(data)
        return str(state["lineage"]), int(state["serial"])
    except (ValueError, KeyError, TypeError):
        return None


def processes_of(operation_id: str) -> list[int]:
    """Every process of this machine whose environment carries this operation's marker."""
    needle = f"{MARKER}={operation_id}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def stop_processes(operation_id: str, grace: float) -> None:
    """Interrupt the operation's processes (Terraform writes its state), then kill what is left."""
    pids = processes_of(operation_id)
    if grace > 0:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + grace
        while pids and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            pids = processes_of(operation_id)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    # Gone before the phase is reported stopped (a killed process may wait for a busy CPU to die).
    deadline = time.monotonic() + 5
    while pids and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        pids = processes_of(operation_id)


HINTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.I), h)
    for p, h in (
        (
            r"Failed to (query available provider packages|install provider)|provider .* was not found|"
            r"could not retrieve the list of available versions|no available releases match",
            "A provider this module needs is not in the offline provider mirror: import an offline package that "
            "carries the provider (in the version the module asks for), then retry.",
        ),
        (
            r"authenticat\w* (failed|error)|incorrect user ?name or password|invalid credentials|401 Unauthorized|"
            r"NotAuthenticated|InvalidLogin|requires authentication",
            "The cloud refused the login: check the user and password of the region's credential.",
        ),
        (
            r"quota|InsufficientResources|insufficient (resources|capacity)|No valid host was found|NotEnoughResources",
            "The cloud is out of capacity or the project's quota is used up: free resources or raise the quota, "
            "then retry.",
        ),
        (
            r"address already in use|IP address .*(already )?in use|IpAddressAlreadyAllocated|duplicate IP",
            "An address the plan assigns is already in use: check the IP pool for addresses taken outside "
            "KubeOperator.",
        ),
        (
            r"Error acquiring the state lock",
            "Another Terraform run holds this state: wait for it to end, then retry.",
        ),
    )
)


def hint_for(text: str) -> str | None:
    return next((hint for pattern, hint in HINTS if pattern.search(text)), None)
