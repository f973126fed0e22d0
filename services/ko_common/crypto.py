"""Secrets at rest: AES-256-GCM with a random nonce, bound to the row and field they belong to.

A stored value is ``v1:<key-id>:<base64(nonce || ciphertext+tag)>``. The
associated data names the table, row id and field, so a ciphertext copied into
another row or column fails to decrypt instead of silently revealing its
secret there. The key id (a hash of the key) says which key sealed a value, so
a key can be rotated: pass the old key as ``retired`` until every value has
been re-encrypted.

The key comes from ``KO_SECRET_KEY`` (base64 of 32 bytes, or any string of 16+
characters, stretched with HKDF-SHA256), else from the 0600 key file that
``Settings.secret`` generates in development.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ko_common.settings import Settings

VERSION = "v1"
NONCE_BYTES = 12
KEY_BYTES = 32
SESSION_INFO_KEY = "ko_secret_box"


class SecretBoxError(Exception):
    """A stored secret cannot be decrypted (wrong key, tampered, or moved to another row)."""


def derive_key(raw: bytes) -> bytes:
    """32 key bytes from a setting: base64 of 32 bytes as is, any other 16+ byte string via HKDF."""
    text = raw.strip()
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if len(decoded) == KEY_BYTES:
        return decoded
    if len(text) < 16:
        raise ValueError(
            "KO_SECRET_KEY is shorter than 16 characters: set base64 of 32 random bytes, "
            "e.g. `openssl rand -base64 32`."
        )
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"kubeoperator secret-box v1")
    return hkdf.derive(text)


def key_id(key: bytes) -> str:
    """A short public name for a key (not reversible: the key is 256 random bits)."""
    return hashlib.sha256(b"kubeoperator key id\x00" + key).hexdigest()[:12]


class SecretBox:
    def __init__(self, key: bytes, retired: Sequence[bytes] = ()) -> None:
        for k in (key, *retired):
            if len(k) != KEY_BYTES:
                raise ValueError(f"a SecretBox key is {KEY_BYTES} bytes, not {len(k)}")
        self.key_id = key_id(key)
        self._aead = AESGCM(key)
        self._by_id = {key_id(k): AESGCM(k) for k in (*retired, key)}

    @classmethod
    def from_settings(cls, settings: Settings, name: str = "secret_key") -> SecretBox:
        return cls(derive_key(settings.secret(name)))

    @staticmethod
    def _aad(table: str, row_id: str, field: str) -> bytes:
        # JSON keeps the parts unambiguous whatever characters they hold.
        return json.dumps(["kubeoperator", VERSION, table, row_id, field]).encode()

    def encrypt(self, plaintext: str, *, table: str, row_id: str, field: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), self._aad(table, row_id, field))
        return f"{VERSION}:{self.key_id}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, *, table: str, row_id: str, field: str) -> str:
        where = f"{table}.{field} of row {row_id}"
        parts = token.split(":")
        if len(parts) != 3 or parts[0] != VERSION:
            raise SecretBoxError(f"{where} is not a {VERSION} secret-box value: the stored data is damaged.")
        aead = self._by_id.get(parts[1])
        if aead is None:
            raise SecretBoxError(
                f"{where} was encrypted with key {parts[1]}, not the configured key {self.key_id}: "
                "set KO_SECRET_KEY to the key this data was written with."
            )
        try:
            blob = base64.b64decode(parts[2], validate=True)
            plain = aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], self._aad(table, row_id, field))
        except (binascii.Error, ValueError, InvalidTag) as exc:
            raise SecretBoxError(
                f"{where} failed authentication: it was altered or copied from another row or field."
            ) from exc
        return plain.decode()


def attach(sessionmaker: async_sessionmaker[AsyncSession], box: SecretBox) -> None:
    """Make ``box`` reachable from every session of this sessionmaker (see :func:`box_for`)."""
    info = dict(sessionmaker.kw.get("info") or {})
    info[SESSION_INFO_KEY] = box
    sessionmaker.configure(info=info)


def box_for(session: AsyncSession) -> SecretBox:
    box = session.info.get(SESSION_INFO_KEY)
    if not isinstance(box, SecretBox):
        raise RuntimeError("no SecretBox attached to this session: call ko_common.crypto.attach at start-up")
    return box
