"""Check an SSH private key as a person pasted it; every refusal says how to fix the input."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
    load_ssh_private_key,
)

from ko_common.errors import InvalidInput

# ssh-keygen uses 16 bcrypt rounds; a key asking for far more would tie up a worker.
MAX_KDF_ROUNDS = 1024
_SSH_KEY_TYPES = (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey, dsa.DSAPrivateKey)
_OPENSSH = b"-----BEGIN OPENSSH PRIVATE KEY-----"
_MALFORMED = "private_key: not a valid OpenSSH or PEM private key: paste the whole key including the BEGIN/END lines."


@dataclass(frozen=True)
class ParsedKey:
    text: str = field(repr=False)  # as stored: line endings normalised, surrounding blanks removed
    fingerprint: str
    encrypted: bool


def _bad_key(detail: str = _MALFORMED) -> InvalidInput:
    return InvalidInput(detail, field="private_key")


def _bad_passphrase(detail: str) -> InvalidInput:
    return InvalidInput("passphrase: " + detail, field="passphrase")


def parse_private_key(text: str, passphrase: str | None, *, strict: bool = True) -> ParsedKey:
    """Load ``text`` (with ``passphrase`` if encrypted) and return it with its fingerprint.

    ``strict``: a passphrase given for an unencrypted key is refused; otherwise
    (a passphrase kept from an earlier key) it is ignored and ``encrypted`` is False.
    """
    clean = text.replace("\r\n", "\n").replace("\r", "\n").strip() + "\n"
    data = clean.encode()
    if data.startswith(b"PuTTY-User-Key-File"):
        raise _bad_key(
            "private_key: this is a PuTTY key: convert it with `puttygen key.ppk -O private-openssh -o key`."
        )
    if data.startswith((b"ssh-", b"ecdsa-", b"-----BEGIN PUBLIC KEY", b"-----BEGIN SSH2 PUBLIC KEY")):
        raise _bad_key("private_key: this is a public key: paste the private key (the file without .pub).")
    if b"-----BEGIN" not in data or b"PRIVATE KEY-----" not in data:
        raise _bad_key()
    openssh = _OPENSSH in data
    if openssh and _kdf_rounds(data) > MAX_KDF_ROUNDS:
        raise _bad_key(
            f"private_key: its passphrase uses more than {MAX_KDF_ROUNDS} KDF rounds: "
            "re-encrypt it with `ssh-keygen -p -a 100 -f <keyfile>`."
        )
    load = load_ssh_private_key if openssh else load_pem_private_key
    encrypted = False
    try:
        key: Any = load(data, None)
    except TypeError:  # "... private key is encrypted"
        encrypted = True
    except Exception as exc:  # hostile input may fail in any way; never a 500
        raise _bad_key() from exc
    if encrypted:
        if not passphrase:
            raise _bad_passphrase("the private key is encrypted: give its passphrase.")
        try:
            key = load(data, passphrase.encode())
        except UnsupportedAlgorithm as exc:
            raise _bad_key(
                "private_key: encrypted OpenSSH keys are not supported here yet: convert it with "
                "`ssh-keygen -p -m PEM -f <keyfile>` or remove its passphrase."
            ) from exc
        except Exception as exc:  # a wrong passphrase surfaces as ValueError or TypeError
            raise _bad_passphrase("wrong passphrase for this private key: check it (it is case-sensitive).") from exc
    elif passphrase and strict:
        raise _bad_passphrase("the private key is not encrypted: leave passphrase empty.")
    return ParsedKey(text=clean, fingerprint=fingerprint(key), encrypted=encrypted)


def fingerprint(key: Any) -> str:
    """``SHA256:<base64>`` of the public key, the form ``ssh-keygen -l`` prints."""
    if not isinstance(key, _SSH_KEY_TYPES):
        raise _bad_key(f"private_key: a {type(key).__name__} cannot log in over SSH: use an Ed25519, RSA or ECDSA key.")
    try:
        line = key.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH)
    except ValueError as exc:  # e.g. an elliptic curve SSH does not know
        raise _bad_key(
            f"private_key: SSH cannot use this key ({exc}): use an Ed25519, RSA or ECDSA P-256 key."
        ) from exc
    digest = hashlib.sha256(base64.b64decode(line.split()[1])).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _kdf_rounds(data: bytes) -> int:
    """bcrypt rounds an ``openssh-key-v1`` key asks for (0 when unencrypted or unreadable)."""
    try:
        body = base64.b64decode(b"".join(x for x in data.split(b"\n") if x and not x.startswith(b"-----")))
        magic = b"openssh-key-v1\x00"
        if not body.startswith(magic):
            return 0
        pos, fields = len(magic), []
        for _ in range(3):  # ciphername, kdfname, kdfoptions
            size = int.from_bytes(body[pos : pos + 4], "big")
            fields.append(body[pos + 4 : pos + 4 + size])
            pos += 4 + size
        if fields[1] != b"bcrypt":
            return 0
        options = fields[2]
        salt = int.from_bytes(options[:4], "big")
        return int.from_bytes(options[4 + salt : 8 + salt], "big")
    except ValueError:
        return 0
