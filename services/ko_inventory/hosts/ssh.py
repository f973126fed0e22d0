"""One SSH visit to a host: connect, verify its host key, authenticate, become root, gather facts.

asyncssh, not the OpenSSH client: no process per host, no ~/.ssh of the service account involved
(no config file, no agent, no default keys, no known_hosts file), and errors arrive as exceptions
we can turn into sentences. Every visit is one connection with a bounded connect time, so a dead
address costs seconds, and many hosts are visited in parallel by the caller.

Nothing here logs or returns a secret; asyncssh's own logger is kept at WARNING.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import shlex
import time
from dataclasses import dataclass, field
from typing import Any

import asyncssh

from ko_inventory.hosts.facts import FACTS_SCRIPT, parse_facts

log = logging.getLogger(__name__)
asyncssh.set_log_level(logging.WARNING)
asyncssh.set_sftp_log_level(logging.WARNING)


@dataclass(frozen=True)
class Target:
    ip: str
    port: int
    host_key: str | None  # the recorded OpenSSH public key line; None at first contact


@dataclass(frozen=True)
class Login:
    """The decrypted credential; secrets are kept out of repr."""

    username: str
    password: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)


@dataclass
class Visit:
    """What one visit found. ``status`` is one of the host statuses (see hosts.models.STATUSES)."""

    status: str
    message: str
    field: str | None = None  # the request field to blame when this refuses a registration
    host_key: str | None = None  # the key presented, OpenSSH format
    host_key_fingerprint: str | None = None
    become: str | None = None  # root | sudo | sudo_password
    facts: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ready"


# ed25519 first: the key an administrator finds with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`.
FIRST_CONTACT_KEY_ALGS = (
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512",
    "rsa-sha2-256",
    "ssh-rsa",
)


@dataclass(frozen=True)
class Limits:
    connect_timeout: float = 5.0
    command_timeout: float = 30.0


def fingerprint(key_line: str) -> str:
    return str(asyncssh.import_public_key(key_line).get_fingerprint("sha256"))


async def visit(target: Target, login: Login, limits: Limits) -> Visit:
    """Check the host and gather its facts. Never raises for a host-side problem: the Visit says it."""
    where = f"{target.ip}:{target.port}"
    try:
        options = _options(target, login, limits)
    except (asyncssh.KeyImportError, ValueError):
        return Visit(
            "auth_failed",
            "The credential's private key cannot be loaded (wrong passphrase?): fix the credential.",
            field="credential_id",
        )
    try:
        return await asyncio.wait_for(_connect_and_inspect(target, login, limits, options), _budget(limits))
    except asyncssh.HostKeyNotVerifiable:
        return await _key_changed(target, limits)
    except asyncssh.KeyExchangeFailed as exc:
        if target.host_key is not None:  # no longer offers the recorded key's type at all
            return await _key_changed(target, limits)
        return Visit("error", f"SSH key exchange with {where} failed ({exc.reason}).", field="ip")
    except asyncssh.PermissionDenied:
        how = "password" if login.password is not None else "private key"
        return Visit(
            "auth_failed",
            f"{where} refused the login of {login.username} with the credential's {how}: "
            "check the username and the secret, or choose another credential.",
            field="credential_id",
        )
    except asyncssh.TimeoutError:
        return Visit(
            "error",
            f"A command of the check on {target.ip} did not finish within {limits.command_timeout:g} s: "
            "the host may be overloaded or a disk or NFS mount hangs.",
            field="ip",
        )
    except TimeoutError:
        return Visit(
            "unreachable",
            f"No SSH answer from {where} within {limits.connect_timeout:g} s: "
            "check the address, that the host is up and that a firewall lets port "
            f"{target.port} through.",
            field="ip",
        )
    except ConnectionRefusedError:
        return Visit(
            "unreachable",
            f"{where} refused the connection: sshd is not running or listens on another port.",
            field="port",
        )
    except OSError as exc:
        if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN):
            return Visit(
                "unreachable",
                f"{target.ip} cannot be reached from the inventory service ({os.strerror(exc.errno)}): "
                "check the address and the routing.",
                field="ip",
            )
        return Visit("unreachable", f"Cannot connect to {where} ({exc.strerror or exc}).", field="ip")
    except asyncssh.Error as exc:
        return Visit("error", f"SSH to {where} failed: {exc.reason}.", field="ip")


def _budget(limits: Limits) -> float:
    # Connect, log in, and three commands: a whole visit never outlives this.
    return limits.connect_timeout * 2 + limits.command_timeout * 3


async def _connect_and_inspect(
    target: Target, login: Login, limits: Limits, options: asyncssh.SSHClientConnectionOptions
) -> Visit:
    async with asyncssh.connect(target.ip, target.port, options=options) as conn:
        return await _inspect(conn, target, login, limits)


def _options(target: Target, login: Login, limits: Limits) -> asyncssh.SSHClientConnectionOptions:
    known: Any = None  # first contact: accept and record the key, preferring the one admins compare against
    algs: Any = FIRST_CONTACT_KEY_ALGS
    if target.host_key is not None:
        known = ([asyncssh.import_public_key(target.host_key)], [], [])
        algs = ()  # asyncssh's default: the recorded key's algorithms
    keys: list[asyncssh.SSHKey] = []
    if login.private_key is not None:
        keys = [asyncssh.import_private_key(login.private_key, login.passphrase)]
    return asyncssh.SSHClientConnectionOptions(
        username=login.username,
        password=login.password,
        client_keys=keys,
        known_hosts=known,
        server_host_key_algs=algs,
        agent_path=None,
        config=[],
        preferred_auth="publickey" if keys else "password,keyboard-interactive",
        connect_timeout=limits.connect_timeout,
        login_timeout=limits.connect_timeout + 5,
        keepalive_interval=0,
    )


async def _key_changed(target: Target, limits: Limits) -> Visit:
    where = f"{target.ip}:{target.port}"
    recorded = fingerprint(target.host_key) if target.host_key else "?"
    # Ask for a key of the recorded kind first, so the two fingerprints compare like with like.
    algs = list(FIRST_CONTACT_KEY_ALGS)
    if target.host_key:
        kinds = [a.decode() for a in asyncssh.import_public_key(target.host_key).sig_algorithms]
        algs = [a for a in algs if a in kinds] + [a for a in algs if a not in kinds]
    try:
        key = await asyncio.wait_for(
            asyncssh.get_server_host_key(target.ip, target.port, config=[], server_host_key_algs=algs),
            limits.connect_timeout + 5,
        )
    except (OSError, TimeoutError, asyncssh.Error):
        key = None
    line = key.export_public_key().decode().strip() if key is not None else None
    now = key.get_fingerprint("sha256") if key is not None else "unknown"
    return Visit(
        "host_key_changed",
        f"The SSH host key of {where} changed (recorded {recorded}, now {now}). Nothing was sent to it. "
        "If the host was reinstalled, an administrator accepts the new key; otherwise find out who answers "
        "at this address.",
        field="ip",
        host_key=line,
        host_key_fingerprint=now if key is not None else None,
    )


async def _inspect(conn: asyncssh.SSHClientConnection, target: Target, login: Login, limits: Limits) -> Visit:
    key = conn.get_server_host_key()
    line = key.export_public_key().decode().strip() if key is not None else None
    fp = key.get_fingerprint("sha256") if key is not None else None

    async def run(command: str, stdin: str | None = None) -> asyncssh.SSHCompletedProcess:
        return await conn.run(command, input=stdin, check=False, timeout=limits.command_timeout)

    # One session for the facts, the uid and the clock: every session costs the host a fork and PAM.
    result = await run(FACTS_SCRIPT)
    received = time.time_ns()
    facts = parse_facts(str(result.stdout))
    uid, remote_now = facts.pop("uid"), facts.pop("clock_ns")
    become = "root" if uid == 0 else await _become(run, login)
    if become is None:
        return Visit(
            "no_root",
            f"{login.username} logged in to {target.ip} but cannot become root: log in as root, or give "
            f"{login.username} sudo rights (passwordless, or with the credential's password).",
            field="credential_id",
            host_key=line,
            host_key_fingerprint=fp,
        )
    if result.exit_status != 0:
        return Visit(
            "error",
            f"Gathering facts on {target.ip} failed: {_excerpt(result.stderr)}",
            field="ip",
            become=become,
            host_key=line,
            host_key_fingerprint=fp,
        )
    # The clock is read last, so its value left the host just before the output arrived here.
    facts["time_offset_ms"] = None if remote_now is None else round((remote_now - received) / 1e6, 1)
    return Visit(
        "ready",
        "Reachable; login and root work.",
        become=become,
        facts=facts,
        host_key=line,
        host_key_fingerprint=fp,
    )


async def _become(run: Any, login: Login) -> str | None:
    """How a login other than root becomes root: sudo without a password, or sudo with the password."""
    if (await run("sudo -n true")).exit_status == 0:
        return "sudo"
    if login.password is not None:
        # -S reads the password from stdin, -p '' prints no prompt, -k ignores a cached ticket.
        result = await run("sudo -k -S -p '' " + shlex.quote("true"), stdin=login.password + "\n")
        if result.exit_status == 0:
            return "sudo_password"
    return None


def _excerpt(text: Any, limit: int = 300) -> str:
    value = str(text or "").strip().replace("\n", " ")
    return value[:limit] or "no error output"
