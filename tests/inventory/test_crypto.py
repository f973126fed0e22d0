"""SecretBox: AES-256-GCM bound to row and field, keys from settings or the generated key file."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from ko_common.crypto import SecretBox, SecretBoxError, derive_key
from ko_inventory.app import InventorySettings

WHERE = {"table": "credentials", "row_id": "row-1", "field": "password"}


def box() -> SecretBox:
    return SecretBox(os.urandom(32))


def test_round_trip_with_a_fresh_nonce_each_time() -> None:
    b = box()
    one, two = b.encrypt("hunter2-secret", **WHERE), b.encrypt("hunter2-secret", **WHERE)
    assert one != two
    assert one.startswith(f"v1:{b.key_id}:") and "hunter2" not in one
    assert b.decrypt(one, **WHERE) == b.decrypt(two, **WHERE) == "hunter2-secret"
    assert b.decrypt(b.encrypt("", **WHERE), **WHERE) == ""


def test_a_tampered_ciphertext_is_refused() -> None:
    b = box()
    version, kid, blob = b.encrypt("hunter2-secret", **WHERE).split(":")
    raw = bytearray(base64.b64decode(blob))
    raw[-1] ^= 1
    with pytest.raises(SecretBoxError, match="altered or copied"):
        b.decrypt(f"{version}:{kid}:{base64.b64encode(bytes(raw)).decode()}", **WHERE)
    with pytest.raises(SecretBoxError, match="damaged"):
        b.decrypt("hunter2-secret", **WHERE)
    with pytest.raises(SecretBoxError):
        b.decrypt(f"{version}:{kid}:not base64!", **WHERE)


def test_a_ciphertext_moved_to_another_row_or_field_is_refused() -> None:
    b = box()
    token = b.encrypt("hunter2-secret", **WHERE)
    with pytest.raises(SecretBoxError, match="row-2"):
        b.decrypt(token, **{**WHERE, "row_id": "row-2"})
    with pytest.raises(SecretBoxError):
        b.decrypt(token, **{**WHERE, "field": "passphrase"})
    with pytest.raises(SecretBoxError):
        b.decrypt(token, **{**WHERE, "table": "hosts"})


def test_another_key_cannot_decrypt_but_a_retired_key_still_can() -> None:
    old, new = os.urandom(32), os.urandom(32)
    token = SecretBox(old).encrypt("hunter2-secret", **WHERE)
    with pytest.raises(SecretBoxError, match="KO_SECRET_KEY"):
        SecretBox(new).decrypt(token, **WHERE)
    assert SecretBox(new, retired=[old]).decrypt(token, **WHERE) == "hunter2-secret"


def test_key_derivation() -> None:
    raw = os.urandom(32)
    assert derive_key(base64.b64encode(raw)) == raw
    stretched = derive_key(b"a long operator passphrase")
    assert len(stretched) == 32 and stretched == derive_key(b"a long operator passphrase")
    with pytest.raises(ValueError, match="16"):
        derive_key(b"short")


def test_key_from_settings_or_the_generated_key_file(tmp_path: Path) -> None:
    explicit = InventorySettings(data_dir=tmp_path, secret_key="an explicit key of some length")
    assert SecretBox.from_settings(explicit).key_id == SecretBox(derive_key(b"an explicit key of some length")).key_id
    generated = InventorySettings(data_dir=tmp_path)
    first, again = SecretBox.from_settings(generated), SecretBox.from_settings(generated)
    assert first.key_id == again.key_id
    key_file = tmp_path / "secret-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert again.decrypt(first.encrypt("hunter2-secret", **WHERE), **WHERE) == "hunter2-secret"


def test_production_refuses_a_missing_or_placeholder_secret_key(tmp_path: Path) -> None:
    ok = {"env": "production", "data_dir": tmp_path, "identity_key": "i" * 32}
    with pytest.raises(ValidationError, match="KO_SECRET_KEY must be set"):
        InventorySettings(**ok)
    with pytest.raises(ValidationError, match="KO_SECRET_KEY is a placeholder"):
        InventorySettings(**ok, secret_key="changeme")
    InventorySettings(**ok, secret_key=base64.b64encode(os.urandom(32)).decode())
