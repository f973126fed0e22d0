"""Tooling of the lab VM double (tests/fakes/terraform-lab-vms): lab hosts adopted as Terraform's "VMs".

No VM is ever made. The tests' IP pool is the lab hosts' addresses, so a VM's address names the lab
host that plays it: `create` authorises the VM's SSH key for root on that host and records the VM,
`destroy` takes both back. The host's name, host keys and /etc/hosts stay the lab's.

Guarantees:
- **Loud refusals**: exit 1 with one line on stderr naming the VM and the cause, for the VM named by
  `--fail-on`, an address no lab host has, an address still held by another VM (handed out twice)
  or a name already held at another address. Usage errors exit 2 (argparse).
- **Idempotent**: creating a VM again at the same address, or destroying an unknown VM, succeeds.
- **The lab keeps its access**: a key line is appended to the host's /root/.ssh/authorized_keys
  only if missing, and `destroy` removes only a line `create` added, never the lab's own key.
- **Safe under parallel runs**: every change (registry and key files) happens under an exclusive
  flock of `<lab state>/vms.lock`; the registry `<lab state>/vms.json` ({name: {address, zone, role,
  host, key, key_added, created_at}}) and key files are replaced atomically.
- Files are written straight into the host's root filesystem on this machine (`Host.root`): no SSH.

Run as `python -m tests.fakes.lab_vms` from the repository, or by path from anywhere (Terraform's
local-exec runs in a directory of its own): `python <repo>/tests/fakes/lab_vms.py --lab kolab0 list`.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run by path: make the repository importable, as `-m` from its root would.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.lab import lab as lab_module

Registry = dict[str, dict[str, Any]]
_KEY = re.compile(
    r"(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9-]+@openssh\.com) [A-Za-z0-9+/=]+( .*)?"
)


class Refused(Exception):
    """The double refuses: the message names the VM and the cause."""


def load_lab(name: str, state_root: Path | None = None) -> lab_module.Lab:
    """`Lab.load(name)`, from `state_root` instead of the lab's default ($KO_LAB_STATE, read once at
    import) when given: a service's Terraform does not pass KO_LAB_STATE on to its children."""
    if state_root is None:
        return lab_module.Lab.load(name)
    saved, lab_module.STATE_ROOT = lab_module.STATE_ROOT, state_root
    try:
        return lab_module.Lab.load(name)
    finally:
        lab_module.STATE_ROOT = saved


@contextlib.contextmanager
def locked(lab: lab_module.Lab) -> Iterator[Registry]:
    """The registry, under the lab's lock; written back (atomically) when the block ends without error."""
    if not lab.state.is_dir():
        raise Refused(f"lab {lab.name} has no state directory {lab.state}: is it up?")
    with open(lab.state / "vms.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = lab.state / "vms.json"
        registry: Registry = json.loads(path.read_text()) if path.exists() else {}
        yield registry
        _write(path, json.dumps(registry, indent=1, sort_keys=True) + "\n", 0o644)


def create(lab: lab_module.Lab, name: str, address: str, zone: str, role: str, key: str, fail_on: str = "") -> str:
    key = key.strip()
    if fail_on and name == fail_on:
        raise Refused(f"VM {name}: refused on purpose (fail_on = {fail_on!r})")
    if not _KEY.fullmatch(key):
        raise Refused(f"VM {name}: the key is not one OpenSSH public key line (like 'ssh-ed25519 AAAA... comment')")
    if not lab.hosts:
        raise Refused(f"VM {name}: lab {lab.name} has no hosts ({lab.state / 'lab.json'}): is it up?")
    host = next((h for h in lab.hosts if h.ip == address), None)
    if host is None:
        held = ", ".join(f"{h.ip} ({h.name})" for h in lab.hosts)
        raise Refused(f"VM {name}: no host of lab {lab.name} has address {address} (its hosts: {held})")
    with locked(lab) as registry:
        holder = next((n for n, vm in registry.items() if vm["address"] == address and n != name), None)
        if holder is not None:
            raise Refused(f"VM {name}: address {address} is still VM {holder}'s (an address handed out twice)")
        entry = registry.get(name)
        if entry is not None and entry["address"] != address:
            raise Refused(f"VM {name}: already exists at {entry['address']}, cannot also be at {address}")
        auth = Path(host.root) / "root/.ssh/authorized_keys"
        if entry is not None and entry["key"] != key and entry["key_added"]:
            _remove_line(auth, entry["key"])
        added = _append_line(auth, key)
        kept = entry is not None and entry["key"] == key and entry["key_added"]
        registry[name] = {
            "address": address,
            "zone": zone,
            "role": role,
            "host": host.name,
            "key": key,
            "key_added": added or kept,
            "created_at": entry["created_at"] if entry else datetime.now(UTC).isoformat(timespec="seconds"),
        }
    verb = "already existed" if entry else "created"
    return f"lab VM double: VM {name} {verb} on lab host {host.name} ({address})"


def destroy(lab: lab_module.Lab, name: str, address: str) -> str:
    with locked(lab) as registry:
        entry = registry.get(name)
        if entry is None:
            return f"lab VM double: VM {name} did not exist"
        if entry["address"] != address:
            raise Refused(f"VM {name}: registered at {entry['address']}, not at {address} (state and lab disagree)")
        host = next((h for h in lab.hosts if h.name == entry["host"]), None)
        if host is not None and entry["key_added"]:
            _remove_line(Path(host.root) / "root/.ssh/authorized_keys", entry["key"])
        del registry[name]
    return f"lab VM double: VM {name} destroyed (lab host {entry['host']}, {address})"


def _append_line(path: Path, line: str) -> bool:
    text = path.read_text() if path.exists() else ""
    if line in (existing.strip() for existing in text.splitlines()):
        return False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write(path, text + ("" if text.endswith("\n") or not text else "\n") + line + "\n", 0o600)
    return True


def _remove_line(path: Path, line: str) -> None:
    if not path.exists():
        return
    lines = path.read_text().splitlines(keepends=True)
    kept = [existing for existing in lines if existing.strip() != line]
    if len(kept) != len(lines):
        _write(path, "".join(kept), 0o600)


def _write(path: Path, text: str, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lab_vms", description="Tooling of the lab VM double (tests only).")
    parser.add_argument("--lab", required=True, help="the lab's name, as in Lab.load(name)")
    parser.add_argument("--lab-state", type=Path, help="the labs' state root (default: $KO_LAB_STATE or the lab's)")
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("create", help="adopt the lab host at --address as VM --name")
    for option in ("--name", "--address", "--zone", "--role", "--key"):
        made.add_argument(option, required=True)
    made.add_argument("--fail-on", default="", help="refuse if --name is this")
    gone = commands.add_parser("destroy", help="give the VM's lab host back")
    gone.add_argument("--name", required=True)
    gone.add_argument("--address", required=True)
    commands.add_parser("list", help="print the registry as JSON")
    args = parser.parse_args(argv)

    lab = load_lab(args.lab, args.lab_state)
    try:
        if args.command == "create":
            print(create(lab, args.name, args.address, args.zone, args.role, args.key, args.fail_on))
        elif args.command == "destroy":
            print(destroy(lab, args.name, args.address))
        else:
            path = lab.state / "vms.json"
            print(path.read_text() if path.exists() else "{}")
    except Refused as refused:
        print(f"lab VM double: {refused}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
