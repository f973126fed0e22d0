"""Settings: KO_ prefix, placeholders refused outside development, generated keys are 0600."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from ko_common.settings import Settings
from ko_gateway.settings import GatewaySettings


def test_env_prefix_and_per_service_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KO_HTTP_PORT", "9999")
    s = GatewaySettings()
    assert s.port == 9999
    assert s.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path.resolve() / 'gateway.db'}"
    assert Settings(service="inventory", http_port=None).port == 8081


@pytest.mark.parametrize("value", ["changeme", "secret", "short", "", "   placeholder  "])
def test_production_refuses_placeholder_secrets(value: str) -> None:
    with pytest.raises(ValidationError) as err:
        Settings(env="production", identity_key=value)
    assert "KO_IDENTITY_KEY" in str(err.value)


def test_production_refuses_missing_secret() -> None:
    with pytest.raises(ValidationError) as err:
        Settings(env="production")
    assert "must be set" in str(err.value)


def test_production_accepts_a_real_secret() -> None:
    assert Settings(env="production", identity_key="q8Zr2mB1xV7nL0pT4sW9yE3uH6jK5cA").env == "production"


def test_development_generates_a_0600_key_file_once(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    first = s.secret("identity_key")
    path = tmp_path / "identity-key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert s.secret("identity_key") == first
    assert len(first) >= 32


def test_service_refuses_to_start_with_a_placeholder(monkeypatch: pytest.MonkeyPatch) -> None:
    from ko_common.service_main import run

    monkeypatch.setenv("KO_ENV", "production")
    monkeypatch.setenv("KO_IDENTITY_KEY", "changeme")
    with pytest.raises(SystemExit) as exc:
        run(lambda s: None, GatewaySettings)  # type: ignore[arg-type,return-value]
    assert "KO_IDENTITY_KEY" in str(exc.value)


def test_production_refuses_a_placeholder_admin_password() -> None:
    good = "q8Zr2mB1xV7nL0pT4sW9yE3uH6jK5cA"
    with pytest.raises(ValidationError) as err:
        GatewaySettings(env="production", identity_key=good, admin_password="changeme")
    assert "KO_ADMIN_PASSWORD" in str(err.value)
    assert GatewaySettings(env="production", identity_key=good, admin_password="").admin_password is not None
