"""Gateway settings (environment variables ``KO_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator

from ko_common.settings import ROUTED_SERVICES, SERVICE_PORTS, Settings, check_not_placeholder


def _default_url(service: str) -> str:
    return f"http://127.0.0.1:{SERVICE_PORTS[service]}"


class GatewaySettings(Settings):
    service: str = "gateway"
    admin_password: SecretStr | None = Field(
        None, description="Password of the first admin, used at first start only; generated if unset."
    )
    inventory_url: str = Field(_default_url("inventory"), description="Base URL of the inventory service.")
    provisioning_url: str = Field(_default_url("provisioning"), description="Base URL of the provisioning service.")
    deployment_url: str = Field(_default_url("deployment"), description="Base URL of the deployment service.")
    observability_url: str = Field(_default_url("observability"), description="Base URL of the observability service.")
    backup_url: str = Field(_default_url("backup"), description="Base URL of the backup service.")
    console_dir: Path = Field(Path("frontend/dist"), description="Built console served at / when it exists.")
    session_hours: int = Field(12, ge=1, le=720, description="Lifetime of a console session.")
    cookie_secure: bool = Field(False, description="Mark the session cookie Secure (set behind HTTPS).")
    login_slowdown_after: int = Field(3, ge=1, description="Failed logins after which each retry must wait.")
    login_lock_after: int = Field(10, ge=2, description="Failed logins after which the account is locked.")
    login_lock_minutes: int = Field(15, ge=1, description="How long a locked account stays locked.")
    auth_cache_seconds: float = Field(
        2.0,
        ge=0,
        le=30,
        description="How long a resolved caller is reused. Changes made through this gateway apply at once; "
        "other gateway replicas see revocations and role changes within this time. 0 disables the cache.",
    )
    proxy_timeout_seconds: float = Field(60.0, description="Timeout of a request forwarded to a service.")
    live_recheck_seconds: float = Field(
        5.0,
        gt=0,
        le=15,
        description="How often an open live stream (SSE) re-checks that its caller may still read the project "
        "(membership, session, token); a stream that may not is ended with `event: ko.access-revoked`.",
    )

    metrics_token: SecretStr | None = Field(
        None,
        description="Bearer token Prometheus sends for the gateway's /metrics (`Authorization: Bearer <token>`). "
        "Unset: the gateway answers 404 there; the other services serve /metrics on their own, internal ports.",
    )

    @model_validator(mode="after")
    def _secrets_not_placeholders(self) -> GatewaySettings:
        if self.env == "development":
            return self
        for name in ("admin_password", "metrics_token"):
            value: SecretStr | None = getattr(self, name)
            if value is not None and value.get_secret_value():
                check_not_placeholder(name, value.get_secret_value())
        return self

    def service_urls(self) -> dict[str, str]:
        return {name: getattr(self, f"{name}_url").rstrip("/") for name in ROUTED_SERVICES}
