"""The passwords of an operation's inventory are Ansible Vault ciphertext on disk; the vault's key lives only in memory.

`new_key` makes a fresh random key for an operation's directory (kept in this process, never
written), `seal` encrypts a value with it; the inventory holds the result as an inline `!vault` value.
ansible-playbook is started with `--vault-id ko@prompt` and ansible-runner answers its prompt
through the pseudo-terminal (`expect_passwords`), so the key is neither in the command line, nor in
the environment, nor in a file. `forget` drops the key when the operation's files are deleted.

A worker that crashed loses the key with its memory: `runner.prepare` runs again on resume and
seals the inventory afresh, so a key never has to survive a process.
"""

from __future__ import annotations

import re
import secrets
import threading
from pathlib import Path
from typing import Any

import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

VAULT_ID = "ko"
ARGS = f"--vault-id {VAULT_ID}@prompt"
PROMPT = rf"Vault password \({VAULT_ID}\):\s*?$"
# ansible-playbook's prompt reaches the output like any line: not something a user needs to see.
PROMPT_LINE = re.compile(rf"^Vault password \({VAULT_ID}\):\s*$")

_keys: dict[str, str] = {}
_lock = threading.Lock()


class Sealed(str):
    """Vault ciphertext, written to YAML as an inline `!vault` value."""


class Dumper(yaml.SafeDumper):
    pass


class Loader(yaml.SafeLoader):
    """Reads an inventory with `!vault` values (left encrypted) as plain data."""


Dumper.add_representer(Sealed, lambda dumper, value: dumper.represent_scalar("!vault", str(value), style="|"))
Loader.add_constructor("!vault", lambda loader, node: Sealed(loader.construct_scalar(node)))  # type: ignore[arg-type]


def _name(workdir: Path) -> str:
    return str(workdir.resolve())


def new_key(workdir: Path) -> None:
    """A fresh key for the operation's directory (everything sealed with the previous one must be rewritten)."""
    with _lock:
        _keys[_name(workdir)] = secrets.token_urlsafe(32)


def seal(workdir: Path, plaintext: str) -> Sealed:
    key = key_of(workdir)
    if key is None:
        raise RuntimeError(f"no vault key for {workdir}: call new_key first")
    vault = VaultLib([(VAULT_ID, VaultSecret(key.encode()))])
    return Sealed(vault.encrypt(plaintext, vault_id=VAULT_ID).decode())


def key_of(workdir: Path) -> str | None:
    with _lock:
        return _keys.get(_name(workdir))


def forget(workdir: Path) -> None:
    with _lock:
        _keys.pop(_name(workdir), None)


def runner_kwargs(workdir: Path) -> dict[str, Any]:
    """ansible-runner's arguments that hand the key to ansible-playbook's prompt (no file, no env)."""
    key = key_of(workdir)
    if key is None:
        raise RuntimeError(
            f"the vault key of {workdir} is not in this process: runner.prepare must run (again) before a phase"
        )
    return {"cmdline": ARGS, "passwords": {PROMPT: key}}
