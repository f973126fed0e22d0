"""The Helm chart: lint, render with default and production-like values, assert on the objects."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.deploy.conftest import (
    CHART,
    PORTS,
    ROUTED,
    SERVICES,
    Helm,
    Render,
    by_kind,
    component,
    container,
    env_of,
)

CI_VALUES = CHART / "ci" / "production-values.yaml"
SECRET_ENV = ("KO_IDENTITY_KEY", "KO_SECRET_KEY", "KO_ADMIN_PASSWORD", "KO_DATABASE_PASSWORD", "KO_METRICS_TOKEN")


@pytest.fixture(scope="module")
def default_objects(render: Render) -> list[dict[str, Any]]:
    return render()


@pytest.fixture(scope="module")
def production_objects(render: Render) -> list[dict[str, Any]]:
    return render("-f", CI_VALUES)


def test_chart_metadata() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert (chart["apiVersion"], chart["name"], chart["version"], chart["appVersion"]) == (
        "v2",
        "kubeoperator",
        "0.1.2",
        "0.1.0",
    )
    assert "dependencies" not in chart, "no bundled subcharts: NATS and PostgreSQL are installed beside the release"
    json.loads((CHART / "values.schema.json").read_text())


@pytest.mark.parametrize("values", [None, CI_VALUES], ids=["default", "production"])
def test_lint_strict(helm: Helm, values: Path | None) -> None:
    args = ["-f", str(values)] if values else []
    result = helm("lint", "--strict", CHART, *args)
    assert "0 chart(s) failed" in result.stdout


def test_default_render_has_a_deployment_and_service_per_service(default_objects: list[dict[str, Any]]) -> None:
    deployments = by_kind(default_objects, "Deployment")
    services = by_kind(default_objects, "Service")
    assert sorted(component(d) for d in deployments.values()) == sorted(SERVICES)
    assert sorted(component(s) for s in services.values()) == sorted(SERVICES)
    for name, deployment in deployments.items():
        assert name == f"ko-kubeoperator-{component(deployment)}"
        assert deployment["spec"]["replicas"] == 2, name
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
        service = services[name]
        assert service["spec"]["selector"] == selector
        port = PORTS[component(deployment)]
        assert service["spec"]["ports"] == [{"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}]
        assert container(deployment)["ports"][0]["containerPort"] == port
        assert env_of(deployment)["KO_HTTP_PORT"]["value"] == str(port)


def test_probes_and_no_default_limits(default_objects: list[dict[str, Any]]) -> None:
    for name, deployment in by_kind(default_objects, "Deployment").items():
        c = container(deployment)
        assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}, name
        assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}, name
        assert c["startupProbe"]["httpGet"]["path"] == "/healthz", name
        assert "limits" not in (c.get("resources") or {}), f"{name}: no default resource limits"
        assert c["securityContext"]["allowPrivilegeEscalation"] is False
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["enableServiceLinks"] is False


def test_every_service_gets_the_common_settings(default_objects: list[dict[str, Any]]) -> None:
    for name, deployment in by_kind(default_objects, "Deployment").items():
        env = env_of(deployment)
        assert env["KO_ENV"]["value"] == "production", name
        assert env["KO_NATS_URL"]["value"] == "nats://ko-nats:4222"
        assert env["KO_HTTP_HOST"]["value"] == "0.0.0.0"  # noqa: S104 - a pod listens on its own IP
        assert env["KO_IDENTITY_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "ko-kubeoperator", "key": "identityKey"}
        # Default: the URL is assembled in the pod from the postgresql chart's Secret.
        assert env["KO_DATABASE_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "ko-postgresql", "key": "password"}
        assert env["KO_DATABASE_URL"]["value"] == (
            "postgresql+asyncpg://kubeoperator:$(KO_DATABASE_PASSWORD)@ko-postgresql:5432/kubeoperator"
        )
        names = list(env)
        assert names.index("KO_DATABASE_PASSWORD") < names.index("KO_DATABASE_URL"), "$(VAR) needs VAR defined first"
        assert ("KO_SECRET_KEY" in env) == (
            component(deployment) in {"inventory", "deployment", "observability", "backup"}
        ), name
        assert ("KO_ADMIN_PASSWORD" in env) == (component(deployment) == "gateway"), name


def test_every_service_reaches_the_others_by_the_rendered_services(default_objects: list[dict[str, Any]]) -> None:
    """The gateway forwards by these URLs; deployment asks inventory and delivers to backup; backup and
    observability ask deployment."""
    services = by_kind(default_objects, "Service")
    for name, deployment in by_kind(default_objects, "Deployment").items():
        env = env_of(deployment)
        for service in ROUTED:
            url = urlsplit(env[f"KO_{service.upper()}_URL"]["value"])
            assert url.scheme == "http", name
            target = services[str(url.hostname)]
            assert component(target) == service
            assert url.port == target["spec"]["ports"][0]["port"] == PORTS[service]


def test_generated_secret_is_strong_and_never_inline(default_objects: list[dict[str, Any]]) -> None:
    secret = by_kind(default_objects, "Secret")["ko-kubeoperator"]
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    values = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert set(values) == {"identityKey", "secretKey", "adminPassword", "metricsToken"}
    assert all(len(v) >= 16 for v in values.values())
    assert_no_inline_secrets(default_objects, values.values())


def test_production_values(production_objects: list[dict[str, Any]]) -> None:
    assert "Secret" not in {o["kind"] for o in production_objects}, "existingSecret: the chart creates none"
    deployments = by_kind(production_objects, "Deployment")
    replicas = {component(d): d["spec"]["replicas"] for d in deployments.values()}
    assert replicas == {
        "gateway": 3,
        "inventory": 3,
        "deployment": 4,
        "provisioning": 2,
        "observability": 2,
        "backup": 2,
    }
    for name, deployment in deployments.items():
        env = env_of(deployment)
        for var in ("KO_IDENTITY_KEY", "KO_DATABASE_URL", "KO_SECRET_KEY", "KO_ADMIN_PASSWORD"):
            if var in env:
                assert env[var]["valueFrom"]["secretKeyRef"]["name"] == "kubeoperator-secrets", f"{name} {var}"
                assert "value" not in env[var]
        assert env["KO_STREAM_REPLICAS"]["value"] == "3"
        assert env["KO_NATS_URL"]["value"].count("nats://") == 3
        image = container(deployment)["image"]
        assert image == f"registry.offline.internal:5000/kubeoperator/{component(deployment)}:0.1.0"
        assert deployment["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "mirror-pull"}]
        resources = container(deployment)["resources"]
        assert "limits" not in resources
    assert env_of(deployments["ko-kubeoperator-gateway"])["KO_COOKIE_SECURE"]["value"] == "true"
    assert_no_inline_secrets(production_objects, [])

    (ingress,) = by_kind(production_objects, "Ingress").values()
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"hosts": ["kubeoperator.example.internal"], "secretName": "kubeoperator-tls"}]
    (rule,) = ingress["spec"]["rules"]
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "ko-kubeoperator-gateway", "port": {"name": "http"}}
    assert len(by_kind(production_objects, "PodDisruptionBudget")) == 6
    (monitor,) = by_kind(production_objects, "ServiceMonitor").values()
    # The gateway serves /metrics only with the token; the monitor sends it from the Secret.
    credentials = {"name": "kubeoperator-secrets", "key": "metricsToken"}
    assert monitor["spec"]["endpoints"][0]["authorization"] == {"type": "Bearer", "credentials": credentials}
    token = env_of(deployments["ko-kubeoperator-gateway"])["KO_METRICS_TOKEN"]["valueFrom"]["secretKeyRef"]
    assert token == {**credentials, "optional": True}


def test_database_url_value_goes_to_the_secret(render: Render) -> None:
    url = "postgresql+asyncpg://ko:s3cretpassw0rd4db@db.internal:5432/kubeoperator"
    objects = render("--set", f"database.url={url}", "--set", "secrets.identityKey=0123456789abcdef0123")
    secret = by_kind(objects, "Secret")["ko-kubeoperator"]
    assert base64.b64decode(secret["data"]["databaseUrl"]).decode() == url
    assert base64.b64decode(secret["data"]["identityKey"]).decode() == "0123456789abcdef0123"
    for deployment in by_kind(objects, "Deployment").values():
        env = env_of(deployment)
        assert env["KO_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "ko-kubeoperator", "key": "databaseUrl"}
        assert "KO_DATABASE_PASSWORD" not in env
    assert_no_inline_secrets(objects, ["s3cretpassw0rd4db", "0123456789abcdef0123"])


def test_existing_secret_without_database_url_assembles_it(render: Render) -> None:
    objects = render("--set", "secrets.existingSecret=mine", "--set", "secrets.keys.databaseUrl=")
    for deployment in by_kind(objects, "Deployment").values():
        env = env_of(deployment)
        assert env["KO_IDENTITY_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "mine"
        assert env["KO_DATABASE_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "ko-postgresql"
        assert "$(KO_DATABASE_PASSWORD)" in env["KO_DATABASE_URL"]["value"]


def test_one_replica_has_no_disruption_budget(render: Render) -> None:
    objects = render("--set", "backup.replicaCount=1")
    budgets = {component(p) for p in by_kind(objects, "PodDisruptionBudget").values()}
    assert budgets == set(SERVICES) - {"backup"}


def test_long_release_names_stay_dns_labels(render: Render) -> None:
    objects = render(release="a-long-release-name-for-the-production-site-0123456")
    for obj in objects:
        assert len(obj["metadata"]["name"]) <= 63, obj["metadata"]["name"]
    gateway = next(d for d in by_kind(objects, "Deployment").values() if component(d) == "gateway")
    services = by_kind(objects, "Service")
    for service in ROUTED:
        assert urlsplit(env_of(gateway)[f"KO_{service.upper()}_URL"]["value"]).hostname in services


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "replicas=3"], "replicas"),
        (["--set", "inventory.replicaCount=-1"], "replicaCount"),
        (["--set", "secrets.identityKey=changeme"], "identityKey"),
        (["--set", "environment=staging"], "environment"),
        (["--set", "database.url=mysql://x"], "database"),
        (["--set", "secrets.existingSecret=s", "--set", "database.url=postgresql+asyncpg://u:p@h/d"], "database.url"),
    ],
    ids=["unknown-key", "negative-replicas", "placeholder-key", "bad-env", "bad-db-url", "url-with-existing-secret"],
)
def test_bad_values_are_refused(helm: Helm, args: list[str], message: str) -> None:
    result = helm("template", "ko", CHART, *args, check=False)
    assert result.returncode != 0
    assert message in result.stderr


def test_notes(helm: Helm) -> None:
    out = helm("install", "ko", CHART, "--dry-run=client", "--namespace", "kubeoperator").stdout
    notes = out[out.index("NOTES:") :]
    assert "port-forward svc/ko-kubeoperator-gateway 8080:8080" in notes
    assert "get secret ko-kubeoperator" in notes
    assert "nats://ko-nats:4222" in notes


def test_readme_lists_every_value() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    readme = (CHART / "README.md").read_text()
    documented = set(re.findall(r"^\| `([^`]+)` \|", readme, flags=re.M))
    missing = []
    for key in leaf_keys(values):
        first, _, rest = key.partition(".")
        generic = f"<service>.{rest}" if first in SERVICES else key  # per-service keys are described once
        if key not in documented and generic not in documented:
            missing.append(key)
    assert not missing, f"values not described in charts/kubeoperator/README.md: {missing}"


def leaf_keys(values: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted keys of values.yaml; maps whose defaults are free-form (e.g. podSecurityContext) count once."""
    keys = []
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and key not in {"podSecurityContext", "securityContext"}:
            keys.extend(leaf_keys(value, path + "."))
        else:
            keys.append(path)
    return keys


def assert_no_inline_secrets(objects: list[dict[str, Any]], secrets: Any) -> None:
    """No Deployment carries a secret as a literal: secret variables are secretKeyRefs, and no
    given secret string appears anywhere in the Deployments."""
    deployments = [o for o in objects if o["kind"] == "Deployment"]
    text = yaml.safe_dump_all(deployments)
    for secret in secrets:
        assert secret not in text
    for deployment in deployments:
        for name, var in env_of(deployment).items():
            if name in SECRET_ENV:
                assert set(var) == {"name", "valueFrom"}, f"{name} must come from a Secret"
            if name == "KO_DATABASE_URL" and "value" in var:
                assert "$(KO_DATABASE_PASSWORD)" in var["value"], "a literal database URL would carry its password"


def test_the_nodes_are_given_the_repository_behind_the_ingress(render: Render) -> None:
    def repository_env(*args: str) -> dict[str, Any] | None:
        deployments = by_kind(render(*args), "Deployment")
        for name, deployment in deployments.items():
            if name != "ko-kubeoperator-deployment":
                assert "KO_REPOSITORY_URL" not in env_of(deployment), name
        return env_of(deployments["ko-kubeoperator-deployment"]).get("KO_REPOSITORY_URL")

    assert repository_env() is None  # no ingress, nothing set: the service's default, checked at preflight
    ingress = ["--set", "ingress.enabled=true", "--set", "ingress.hosts[0].host=ko.example.internal",
               "--set", "ingress.hosts[0].paths[0].path=/"]  # fmt: skip
    assert repository_env(*ingress) == {"name": "KO_REPOSITORY_URL", "value": "http://ko.example.internal/repository"}
    tls = [*ingress, "--set", "ingress.tls[0].secretName=t", "--set", "ingress.tls[0].hosts[0]=ko.example.internal"]
    assert repository_env(*tls)["value"] == "https://ko.example.internal/repository"  # type: ignore[index]
    explicit = [*tls, "--set", "repository.url=http://10.1.0.5:30080/repository"]
    assert repository_env(*explicit)["value"] == "http://10.1.0.5:30080/repository"  # type: ignore[index]
