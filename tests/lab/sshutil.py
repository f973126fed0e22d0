"""Running commands on lab hosts with the OpenSSH client (root by key, `ko` by password)."""

from __future__ import annotations

import os
import subprocess

from tests.lab.lab import Host

SSH_OPTIONS = (
    "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", "LogLevel=ERROR",
    "-o", "ConnectTimeout=5",
    "-o", "ControlMaster=no",
    "-o", "ControlPath=none",
)  # fmt: skip


def ssh_root(
    host: Host, command: str, timeout: float = 60, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``command`` as root on ``host``; ``input`` is its standard input (none by default)."""
    stdin = {"input": input} if input is not None else {"stdin": subprocess.DEVNULL}
    return subprocess.run(
        ["ssh", *SSH_OPTIONS, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", host.key_path,
         "-p", str(host.port), f"root@{host.ip}", command],
        capture_output=True, text=True, timeout=timeout, **stdin,  # type: ignore[call-overload]
    )  # fmt: skip


def ssh_password(host: Host, command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sshpass", "-e", "ssh", *SSH_OPTIONS, "-o", "PreferredAuthentications=password",
         "-o", "PubkeyAuthentication=no", "-p", str(host.port), f"{host.user}@{host.ip}", command],
        capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
        env={**os.environ, "SSHPASS": host.password},
    )  # fmt: skip
