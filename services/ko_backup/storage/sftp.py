"""An SFTP server as backup storage (asyncssh's SFTP client, no OpenSSH process).

The server must present the host key given on the account: nothing is sent to a server
whose key differs, and there is no trust on first use. No ~/.ssh, agent or config file of
the service account is used. A put writes ``<key>.partial-<random>`` and renames it into
place when complete, so an interrupted upload never shows under its key.
"""

from __future__ import annotations

import asyncio
import builtins
import errno
import logging
import os
import posixpath
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime

import asyncssh

from ko_backup.storage.base import CHUNK, ObjectInfo, SftpSpec, Source, StorageError, check_key, chunks_of

asyncssh.set_log_level(logging.WARNING)
asyncssh.set_sftp_log_level(logging.WARNING)

PARTIAL = ".partial-"
_NO_KEY_TYPE = "the host key must be an OpenSSH public key line, e.g. `ssh-ed25519 AAAA...`"


def parse_host_key(text: str) -> tuple[str, str]:
    """The key of a ``known_hosts`` or ``.pub`` line as ``(openssh line, SHA256 fingerprint)``.

    Raises ValueError with a sentence saying what to paste."""
    fields = text.strip().split()
    # known_hosts: `host[,host...] type base64 [comment]`; .pub: `type base64 [comment]`
    for start in (0, 1):
        if len(fields) >= start + 2:
            try:
                key = asyncssh.import_public_key(" ".join(fields[start : start + 2]))
            except (asyncssh.KeyImportError, ValueError):
                continue
            return key.export_public_key().decode().strip(), str(key.get_fingerprint("sha256"))
    raise ValueError(
        f"{_NO_KEY_TYPE}, or a known_hosts line (`ssh-keyscan -p PORT HOST` prints them; "
        "compare the fingerprint with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the server)"
    )


def check_private_key(text: str) -> None:
    """Raise ValueError (a sentence) when asyncssh cannot log in with ``text``."""
    try:
        asyncssh.import_private_key(text)
    except asyncssh.KeyImportError as exc:
        if "passphrase" in str(exc).lower():
            raise ValueError(
                "is encrypted with a passphrase: give a key without one (`ssh-keygen -p -N '' -f <keyfile>`)"
            ) from exc
        raise ValueError("is not an OpenSSH or PEM private key: paste the whole key with its BEGIN/END lines") from exc


class SftpStorage:
    def __init__(self, spec: SftpSpec, sftp: asyncssh.SFTPClient) -> None:
        self.spec = spec
        self.sftp = sftp
        self.where = f"{spec.username}@{spec.host}:{spec.port}"

    def _path(self, key: str) -> str:
        return posixpath.join(self.spec.directory, check_key(key))

    async def check(self) -> None:
        directory = self.spec.directory
        try:
            is_dir = await self.sftp.isdir(directory)
        except asyncssh.SFTPError as exc:
            raise StorageError(
                f"directory: cannot read {directory} on {self.where}: {exc.reason}.", field="directory"
            ) from exc
        if not is_dir:
            raise StorageError(
                f"directory: {directory} does not exist on {self.where} (or is not a directory): "
                "create it, or give another.",
                field="directory",
            )

    def _unwritable(self, exc: asyncssh.SFTPError) -> StorageError:
        return StorageError(
            f"directory: {self.spec.directory} on {self.spec.host} is not writable by {self.spec.username} "
            f"({exc.reason}): give that user write access to it, or choose another directory.",
            field="directory",
        )

    async def put(self, key: str, source: Source) -> int:
        target = self._path(key)
        temp = target + PARTIAL + secrets.token_hex(4)
        written = 0
        try:
            await self.sftp.makedirs(posixpath.dirname(target), exist_ok=True)
            try:
                async with self.sftp.open(temp, "wb") as fh:
                    async for chunk in chunks_of(source):
                        await fh.write(chunk)
                        written += len(chunk)
                await self._rename(temp, target)
            except BaseException:
                await self._remove_quietly(temp)
                raise
        except (asyncssh.SFTPPermissionDenied, asyncssh.SFTPWriteProtect) as exc:
            raise self._unwritable(exc) from exc
        except asyncssh.SFTPError as exc:
            raise StorageError(
                f"directory: writing {key} on {self.where} failed: {exc.reason}.", field="directory"
            ) from exc
        return written

    async def _rename(self, temp: str, target: str) -> None:
        try:
            await self.sftp.posix_rename(temp, target)  # replaces the target (OpenSSH extension)
        except asyncssh.SFTPOpUnsupported:
            await self._remove_quietly(target)
            await self.sftp.rename(temp, target)

    async def _remove_quietly(self, path: str) -> None:
        with suppress(asyncssh.SFTPError):
            await self.sftp.remove(path)

    async def get(self, key: str) -> AsyncIterator[bytes]:
        try:
            fh = await self.sftp.open(self._path(key), "rb")
        except asyncssh.SFTPNoSuchFile as exc:
            raise StorageError(f"No object {key} in {self.spec.directory} on {self.where}.", field="key") from exc
        except asyncssh.SFTPError as exc:
            raise StorageError(
                f"directory: reading {key} on {self.where} failed: {exc.reason}.", field="directory"
            ) from exc
        try:
            while chunk := await fh.read(CHUNK):
                yield chunk.encode() if isinstance(chunk, str) else chunk  # bytes: opened in binary mode
        finally:
            await fh.close()

    async def delete(self, key: str) -> None:
        try:
            await self.sftp.remove(self._path(key))
        except asyncssh.SFTPNoSuchFile:
            pass
        except asyncssh.SFTPError as exc:
            raise self._unwritable(exc) from exc

    async def list(self, prefix: str = "") -> list[ObjectInfo]:
        found: list[ObjectInfo] = []
        await self._walk(self.spec.directory, prefix, found)
        return sorted(found, key=lambda o: o.key)

    async def _walk(self, path: str, prefix: str, found: builtins.list[ObjectInfo]) -> None:
        async for entry in self.sftp.scandir(path):
            name = str(entry.filename)
            if name in (".", "..") or PARTIAL in name:
                continue
            full = posixpath.join(path, name)
            key = posixpath.relpath(full, self.spec.directory)
            if entry.attrs.type == asyncssh.FILEXFER_TYPE_DIRECTORY:
                if key.startswith(prefix) or prefix.startswith(key + "/"):
                    await self._walk(full, prefix, found)
            elif entry.attrs.type == asyncssh.FILEXFER_TYPE_REGULAR and key.startswith(prefix):
                mtime = entry.attrs.mtime
                when = datetime.fromtimestamp(mtime, UTC) if mtime is not None else None
                found.append(ObjectInfo(key, int(entry.attrs.size or 0), when))

    async def exists(self, key: str) -> bool:
        return bool(await self.sftp.isfile(self._path(key)))


@asynccontextmanager
async def open_sftp(spec: SftpSpec, timeout: float) -> AsyncIterator[SftpStorage]:
    conn = await _connect(spec, timeout)
    try:
        async with conn.start_sftp_client() as sftp:
            storage = SftpStorage(spec, sftp)
            await storage.check()
            yield storage
    finally:
        conn.close()
        await conn.wait_closed()


async def _connect(spec: SftpSpec, timeout: float) -> asyncssh.SSHClientConnection:
    where = f"{spec.host}:{spec.port}"
    keys = [asyncssh.import_private_key(spec.private_key)] if spec.private_key else []
    options = asyncssh.SSHClientConnectionOptions(
        username=spec.username,
        password=spec.password,
        client_keys=keys,
        known_hosts=([asyncssh.import_public_key(spec.host_key)], [], []),
        agent_path=None,
        config=[],
        preferred_auth="publickey" if keys else "password,keyboard-interactive",
        connect_timeout=timeout,
        login_timeout=timeout + 5,
        keepalive_interval=0,
    )
    try:
        return await asyncio.wait_for(asyncssh.connect(spec.host, spec.port, options=options), timeout * 2 + 5)
    except (asyncssh.HostKeyNotVerifiable, asyncssh.KeyExchangeFailed) as exc:
        raise StorageError(await _key_mismatch(spec, timeout), field="host_key") from exc
    except asyncssh.PermissionDenied as exc:
        field = "private_key" if keys else "password"
        raise StorageError(
            f"{field}: {where} refused the login of {spec.username} with the account's "
            f"{'private key' if keys else 'password'}: check the username and the {field.replace('_', ' ')}.",
            field=field,
        ) from exc
    except ConnectionRefusedError as exc:
        raise StorageError(
            f"port: {where} refused the connection: no SSH server listens on this port.", field="port"
        ) from exc
    except (TimeoutError, asyncssh.TimeoutError) as exc:
        raise StorageError(
            f"host: no SSH answer from {where} within {timeout:g} s: check the address and that a firewall lets "
            "the backup service through.",
            field="host",
        ) from exc
    except OSError as exc:
        why = os.strerror(exc.errno) if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH) else str(exc)
        raise StorageError(f"host: cannot connect to {where} ({why}).", field="host") from exc
    except asyncssh.Error as exc:
        raise StorageError(f"host: SSH to {where} failed: {exc.reason}.", field="host") from exc


async def _key_mismatch(spec: SftpSpec, timeout: float) -> str:
    where = f"{spec.host}:{spec.port}"
    given = asyncssh.import_public_key(spec.host_key).get_fingerprint("sha256")
    try:
        key = await asyncio.wait_for(asyncssh.get_server_host_key(spec.host, spec.port, config=[]), timeout + 5)
    except (OSError, TimeoutError, asyncssh.Error):
        key = None
    now = key.get_fingerprint("sha256") if key is not None else "unknown"
    return (
        f"host_key: the SSH server at {where} does not present the host key given ({given}); it presents {now}. "
        "Nothing was sent to it. Check the key on the server (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`) "
        "and paste its line, or find out who answers at this address."
    )
