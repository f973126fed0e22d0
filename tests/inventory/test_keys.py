"""Private key checks: what parses, its fingerprint, and refusals that name the field to fix."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519

from ko_common.errors import InvalidInput
from ko_inventory.credentials.keys import MAX_KDF_ROUNDS, parse_private_key
from tests.inventory.support import ed25519_openssh, rsa_encrypted_pem, ssh_keygen_fingerprint


def refused(text: str, passphrase: str | None = None) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        parse_private_key(text, passphrase)
    assert info.value.detail.startswith(info.value.field + ": ")
    return info.value


def test_fingerprints_match_ssh_keygen(tmp_path: Path) -> None:
    key = ed25519_openssh()
    parsed = parse_private_key(key, None)
    assert not parsed.encrypted and parsed.fingerprint.startswith("SHA256:")
    assert "PRIVATE" not in repr(parsed)
    rsa_key = rsa_encrypted_pem("correct horse")
    parsed_rsa = parse_private_key(rsa_key, "correct horse")
    assert parsed_rsa.encrypted
    expected = ssh_keygen_fingerprint(key, tmp_path), ssh_keygen_fingerprint(rsa_key, tmp_path, "correct horse")
    if expected[0] is None:
        pytest.skip("ssh-keygen not installed")
    assert (parsed.fingerprint, parsed_rsa.fingerprint) == expected


def test_pasted_keys_are_normalised() -> None:
    key = ed25519_openssh()
    parsed = parse_private_key("\n  " + key.replace("\n", "\r\n") + "\n\n", None)
    assert parsed.text == key
    ecdsa = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    assert parse_private_key(ecdsa.decode(), None).fingerprint.startswith("SHA256:")


def test_malformed_keys_name_private_key() -> None:
    key = ed25519_openssh()
    assert "BEGIN/END" in refused("not a key at all").detail
    assert refused(key[: len(key) // 2] + key[-40:]).field == "private_key"
    assert refused(key.replace("-----END OPENSSH PRIVATE KEY-----", "")).field == "private_key"
    assert "public key" in refused("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI user@host").detail
    assert "PuTTY" in refused("PuTTY-User-Key-File-3: ssh-ed25519\n").detail
    x = x25519.X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert "cannot log in over SSH" in refused(x.decode()).detail
    k1 = ec.generate_private_key(ec.SECP256K1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert refused(k1.decode()).field == "private_key"


def test_passphrase_mistakes_name_passphrase() -> None:
    encrypted = rsa_encrypted_pem("correct horse")
    assert "wrong passphrase" in refused(encrypted, "wrong horse").detail
    assert "encrypted: give its passphrase" in refused(encrypted).detail
    assert "not encrypted" in refused(ed25519_openssh(), "correct horse").detail
    # A passphrase kept from an earlier key is dropped, not refused, when the new key needs none.
    assert not parse_private_key(ed25519_openssh(), "kept", strict=False).encrypted


def _set_rounds(openssh_key: str, rounds: int) -> str:
    lines = openssh_key.strip().splitlines()
    body = bytearray(base64.b64decode("".join(lines[1:-1])))
    pos = len(b"openssh-key-v1\x00")
    for _ in range(2):  # skip ciphername and kdfname
        pos += 4 + int.from_bytes(body[pos : pos + 4], "big")
    salt_len = int.from_bytes(body[pos + 4 : pos + 8], "big")
    at = pos + 8 + salt_len
    body[at : at + 4] = rounds.to_bytes(4, "big")
    text = base64.b64encode(bytes(body)).decode()
    return "\n".join([lines[0], *(text[i : i + 70] for i in range(0, len(text), 70)), lines[-1]]) + "\n"


def test_encrypted_openssh_keys(tmp_path: Path) -> None:
    path = tmp_path / "id_ed25519"
    try:
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "correct horse", "-f", str(path)], check=True)
    except FileNotFoundError:
        pytest.skip("ssh-keygen not installed")
    key = path.read_text()
    assert refused(key).field == "passphrase"
    try:
        import bcrypt  # noqa: F401 - cryptography needs it for OpenSSH's bcrypt KDF
    except ImportError:
        assert "ssh-keygen -p -m PEM" in refused(key, "correct horse").detail
    else:
        assert parse_private_key(key, "correct horse").encrypted
        assert refused(key, "wrong horse").field == "passphrase"
    greedy = _set_rounds(key, MAX_KDF_ROUNDS + 1)
    assert "KDF rounds" in refused(greedy, "correct horse").detail
