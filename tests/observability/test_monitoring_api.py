"""A cluster's Prometheus and Grafana through the gateway: the real Prometheus server scraping, reached through
the gateway, the observability service and the real kube-apiserver's service proxy, with the caller's
authorization (the cluster's project); the summary's figures from real PromQL range queries; the add-on
missing or not answering as clear errors."""

from __future__ import annotations

import asyncio
import http.client
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ko_common.db import utcnow
from ko_gateway.app import create_app as create_gateway
from ko_gateway.settings import GatewaySettings
from ko_observability.app import ObservabilitySettings
from ko_observability.health.models import ClusterHealth
from ko_observability.monitoring.service import GRAFANA_SUB_PATH, MonitoringPolicy
from tests.observability.health import DeploymentForHealth, embedded
from tests.observability.prometheus import Addon, host_address, monitoring_addon, services_in
from tests.observability.support import ALICE, IDENTITY_KEY, Observability, serve, settings_for
from tests.support.kube_control_plane import KubeControlPlane
from tests.support.procs import NatsServer
from tests.support.serve import identity_headers, served

ADMIN_PASSWORD = "Monitoring-Test-Passw0rd!"


@dataclass
class World:
    gateway: str
    obs: Observability
    cluster_id: str
    reader: httpx.Client  # read-only member of the cluster's project
    reader_name: str
    outsider: httpx.Client  # project manager of another project
    anonymous: httpx.Client
    browser: httpx.Client  # the reader signed in with a session cookie, its CSRF token in `csrf`
    csrf: str

    def prometheus(self, path: str) -> str:
        return f"/api/v1/clusters/{self.cluster_id}/monitoring/prometheus/{path}"


@pytest.fixture(scope="module")
def addon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Addon]:
    with monitoring_addon(tmp_path_factory.mktemp("prometheus")) as a:
        yield a


async def seed_health(obs: Observability, cluster_id: str, project_id: str, status: str = "running") -> None:
    """The cluster as the deployment's events make it known to the observability service."""
    db = obs.database()
    try:
        async with db.transaction() as session:
            now = utcnow()
            session.add(ClusterHealth(cluster_id=cluster_id, project_id=project_id, name=f"c-{cluster_id[:8]}",
                                      cluster_status=status, announced_at=now, state="unknown", reasons="[]",
                                      due_at=now))  # fmt: skip
    finally:
        await db.dispose()


def observability_for(tmp: Path, nats_url: str, deployment: DeploymentForHealth, namespace: str) -> Any:
    settings = settings_for(
        tmp, f"sqlite+aiosqlite:///{tmp / 'observability.db'}", nats_url, health_interval_seconds=0,
        kube_events_max_clusters=0, deployment_url=deployment.base, monitoring_namespace=namespace,
        monitoring_prometheus_service="prom", monitoring_prometheus_port="9090",
        monitoring_grafana_service="grafana", monitoring_grafana_port="80",
    )  # fmt: skip
    return serve(settings)


def _person(base: str, admin: httpx.Client, project: str, role: str) -> tuple[httpx.Client, str, httpx.Client, str]:
    """A member of ``project`` with a token client, and the same person signed in as a browser is."""
    username, password = f"u-{uuid.uuid4().hex[:8]}", "Pw-" + uuid.uuid4().hex
    r = admin.post("/api/v1/users", json={"username": username, "password": password, "is_admin": False})
    assert r.status_code == 201, r.text
    r = admin.put(f"/api/v1/projects/{project}/members/{r.json()['id']}", json={"role": role})
    assert r.status_code == 200, r.text
    person = httpx.Client(base_url=base, timeout=60, trust_env=False)
    r = person.post("/api/v1/auth/login", json={"username": username, "password": password})
    person.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    token = person.post("/api/v1/auth/tokens", json={"name": "monitoring-test"}).json()["token"]
    person.cookies.clear()
    person.headers.pop("X-CSRF-Token")
    person.headers["Authorization"] = f"Bearer {token}"
    browser = httpx.Client(base_url=base, timeout=60, trust_env=False)
    csrf = browser.post("/api/v1/auth/login", json={"username": username, "password": password}).json()["csrf_token"]
    return person, username, browser, csrf


@pytest.fixture
def world(
    tmp_path: Path, addon: Addon, kube_control_plane: KubeControlPlane, deployment: DeploymentForHealth,
    nats_server: NatsServer,
) -> Iterator[World]:  # fmt: skip
    with (
        services_in(kube_control_plane, addon) as namespace,
        observability_for(tmp_path / "obs", nats_server.url, deployment, namespace) as obs,
    ):
        settings = GatewaySettings(
            data_dir=tmp_path / "gw", nats_url=nats_server.url, identity_key=IDENTITY_KEY,
            admin_password=ADMIN_PASSWORD, observability_url=obs.base, deployment_url=deployment.base,
            console_dir=tmp_path / "no-console",
        )  # type: ignore[call-arg]  # fmt: skip
        with served(create_gateway(settings)) as base, httpx.Client(base_url=base, timeout=60) as admin:
            r = admin.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
            admin.headers["X-CSRF-Token"] = r.json()["csrf_token"]
            a, b = (admin.post("/api/v1/projects", json={"name": f"p-{uuid.uuid4().hex[:8]}"}).json()["id"]
                    for _ in range(2))  # fmt: skip
            cluster_id = asyncio.run(deployment.seed(embedded(kube_control_plane), project_id=a))
            asyncio.run(seed_health(obs, cluster_id, a))
            reader, name, browser, csrf = _person(base, admin, a, "read-only")
            outsider, _, other_browser, _ = _person(base, admin, b, "project-manager")
            try:
                with httpx.Client(base_url=base, timeout=60) as anonymous:
                    yield World(base, obs, cluster_id, reader, name, outsider, anonymous, browser, csrf)
            finally:
                for client in (reader, outsider, browser, other_browser):
                    client.close()


def test_prometheus_answers_the_clusters_readers_through_the_gateway(world: World) -> None:
    r = world.reader.get(world.prometheus("api/v1/query"), params={"query": "up"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["status"] == "success"
    assert {s["metric"]["job"]: s["value"][1] for s in body["data"]["result"]} == {"prometheus": "1", "exporters": "1"}
    # A long query goes as a form, as Prometheus takes it.
    r = world.reader.post(world.prometheus("api/v1/query"), data={"query": 'up{job="prometheus"}'})
    assert r.status_code == 200, r.text
    assert [s["metric"]["job"] for s in r.json()["data"]["result"]] == ["prometheus"]
    r = world.reader.get(world.prometheus("api/v1/label/job/values"))
    assert r.status_code == 200 and r.json()["data"] == ["exporters", "prometheus"], r.text
    # Prometheus's own refusal of a bad query passes as Prometheus said it.
    r = world.reader.get(world.prometheus("api/v1/query"), params={"query": "up{"})
    assert r.status_code == 400 and r.json()["errorType"] == "bad_data", r.text

    # Another project's member, and nobody, reach nothing: the same 404 as for a cluster that does not exist.
    for path in (
        world.prometheus("api/v1/query"),
        "/api/v1/clusters/no-such-cluster/monitoring/prometheus/api/v1/query",
    ):
        r = world.outsider.get(path, params={"query": "up"})
        assert (r.status_code, r.json()["error"], r.json()["field"]) == (404, "not_found", "cluster_id"), r.text
    assert world.anonymous.get(world.prometheus("api/v1/query"), params={"query": "up"}).status_code == 401


def test_only_the_read_only_api_of_prometheus_is_passed(world: World) -> None:
    refused = [
        ("POST", "api/v1/admin/tsdb/delete_series", {"match[]": "up"}),
        ("PUT", "api/v1/admin/tsdb/snapshot", None),
        ("POST", "api/v1/write", None),
        ("GET", "api/v1/status/config", None),
        ("POST", "api/v1/targets", None),
        ("GET", "-/quit", None),
        ("GET", "federate", {"match[]": "up"}),
    ]
    for method, path, params in refused:
        r = world.reader.request(method, world.prometheus(path), params=params)
        if method == "PUT":  # no route takes PUT: refused before anything is looked at
            assert r.status_code == 405, r.text
            continue
        assert (r.status_code, r.json()["field"]) == (403, "path"), (path, r.text)
        assert "read-only HTTP API" in r.json()["detail"]
    r = world.reader.get(world.prometheus("api/v1/query"), params={"query": "count(up)"})
    assert r.json()["data"]["result"][0]["value"][1] == "2"  # nothing was deleted

    # A `..` segment never leaves the add-on's proxy path (sent as written, past the gateway's own check).
    host, port = world.obs.base.removeprefix("http://").split(":")
    headers = identity_headers(ALICE, IDENTITY_KEY.encode(), "observability")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("GET", f"/api/v1/clusters/{world.cluster_id}/monitoring/grafana/..%2F..%2F..%2Fsecrets",
                     headers=headers)  # fmt: skip
        response = conn.getresponse()
        assert response.status == 404, response.read()
    finally:
        conn.close()


def test_grafana_is_served_from_the_clusters_sub_path(world: World) -> None:
    root = f"/api/v1/clusters/{world.cluster_id}/monitoring/grafana/"
    r = world.reader.get(root)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), r.text
    # The API server rewrote Grafana's links to its own proxy path; they are Grafana's again.
    assert f'href="{root}d/abc"' in r.text and f'src="{root}public/app.js"' in r.text, r.text
    assert "/namespaces/" not in r.text
    r = world.reader.get(root + "login")
    assert (r.status_code, r.headers["location"]) == (302, f"{root}?from=login")
    r = world.reader.get(root.rstrip("/"))
    assert (r.status_code, r.headers["location"]) == (307, "grafana/")
    # Grafana hears who asks (for its auth proxy), never the caller's credentials or our signed identity.
    seen = world.reader.get(root + "api/user").json()
    assert seen == {"X-WEBAUTH-USER": f"ko-{world.reader_name}", "Authorization": None, "X-KO-Identity": None,
                    "Cookie": None}  # fmt: skip
    assert world.outsider.get(root).status_code == 404


def test_grafanas_panel_queries_pass_without_our_csrf_header_and_nothing_else_does(world: World) -> None:
    """Grafana's page posts its panel queries without the console's CSRF header: that one read-only POST
    (and Prometheus's form queries) pass, any other unsafe request still needs the header."""
    root = f"/api/v1/clusters/{world.cluster_id}/monitoring/grafana/"
    browser = world.browser  # a session cookie and no X-CSRF-Token header, as Grafana's page sends
    queries = [{"refId": "A", "expr": "up"}]
    r = browser.post(root + "api/ds/query", json={"queries": queries})
    assert r.status_code == 200 and r.json() == {"user": f"ko-{world.reader_name}", "queries": queries}, r.text
    r = browser.post(world.prometheus("api/v1/query"), data={"query": "up"})
    assert r.status_code == 200, r.text
    for path in (root + "api/dashboards/db", f"/api/v1/clusters/{world.cluster_id}/backups", "/api/v1/auth/tokens"):
        r = browser.post(path, json={"name": "x"})
        assert r.status_code == 403 and "X-CSRF-Token" in r.text, (path, r.text)
    r = browser.post("/api/v1/auth/tokens", json={"name": "x"}, headers={"X-CSRF-Token": world.csrf})
    assert r.status_code == 201, "the same session writes with its token"
    assert world.outsider.post(root + "api/ds/query", json={"queries": []}).status_code == 404


def test_the_summary_gives_the_clusters_and_each_nodes_figures(world: World) -> None:
    path = f"/api/v1/clusters/{world.cluster_id}/monitoring/summary"
    r = world.reader.get(path, params={"minutes": 5, "step": 15})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["cluster_id"], body["minutes"], body["step_seconds"], body["missing"]) == (
        world.cluster_id, 5, 15, []
    )  # fmt: skip
    last = {figure: series[-1][1] for figure, series in body["cluster"].items()}
    assert last["cpu_cores"] == 2 and last["memory_total_bytes"] == 8e9 and last["memory_used_bytes"] == 2e9
    # A quarter of a core, but rate() over 5 minutes of which Prometheus has seen only the last seconds.
    assert last["pods"] == 2 and 0 < last["cpu_used_cores"] <= 0.26, last
    [node] = body["nodes"]
    assert node["node"] == "node-a"
    assert {f: node[f][-1][1] for f in ("cpu_cores", "memory_total_bytes", "pods")} == {
        "cpu_cores": 2, "memory_total_bytes": 8e9, "pods": 2}  # fmt: skip
    assert node["cpu_used_cores"][-1][1] == pytest.approx(last["cpu_used_cores"])

    r = world.reader.get(path, params={"minutes": 10080, "step": 15})
    assert r.status_code == 422 and {f["field"] for f in r.json()["fields"]} == {"minutes", "step"}, r.text
    assert world.outsider.get(path).status_code == 404


async def test_a_cluster_without_the_add_on_or_not_running_is_a_clear_error(
    tmp_path: Path, kube_control_plane: KubeControlPlane, deployment: DeploymentForHealth, nats_server: NatsServer
) -> None:
    with observability_for(tmp_path, nats_server.url, deployment, f"absent-{uuid.uuid4().hex[:6]}") as obs:
        cluster_id = await deployment.seed(embedded(kube_control_plane), project_id="p1")
        await seed_health(obs, cluster_id, "p1")
        for path in ("prometheus/api/v1/query?query=up", "summary"):
            r = await asyncio.to_thread(obs.call, "GET", f"/api/v1/clusters/{cluster_id}/monitoring/{path}", ALICE)
            assert (r.status_code, r.json()["error"]) == (409, "monitoring_not_installed"), r.text
            assert "Prometheus is not installed" in r.json()["detail"] and "Traceback" not in r.text
        failed = await deployment.seed(embedded(kube_control_plane), project_id="p1", status="failed")
        await seed_health(obs, failed, "p1", status="failed")
        r = await asyncio.to_thread(obs.call, "GET", f"/api/v1/clusters/{failed}/monitoring/summary", ALICE)
        assert (r.status_code, r.json()["field"]) == (409, "cluster_id") and "is failed" in r.json()["detail"]


def test_prometheus_not_answering_is_a_502_naming_it(
    tmp_path: Path, kube_control_plane: KubeControlPlane, deployment: DeploymentForHealth, nats_server: NatsServer
) -> None:
    # Its Service and Pod are there, its endpoint is a port where nothing listens.
    dead = Addon(address=host_address(), prometheus_port=9, standins_port=9)
    with (
        services_in(kube_control_plane, dead) as namespace,
        observability_for(tmp_path, nats_server.url, deployment, namespace) as obs,
    ):
        cluster_id = asyncio.run(deployment.seed(embedded(kube_control_plane), project_id="p1"))
        asyncio.run(seed_health(obs, cluster_id, "p1"))
        r = obs.call("GET", f"/api/v1/clusters/{cluster_id}/monitoring/prometheus/api/v1/query?query=up", ALICE)
        assert (r.status_code, r.json()["error"]) == (502, "bad_gateway"), r.text
        assert f"service {namespace}/prom" in r.json()["detail"], r.text


def test_the_defaults_name_what_the_monitoring_add_on_installs() -> None:
    """The settings' defaults are the Services the add-on's role creates, and Grafana's root_url is our route."""
    role = yaml.safe_load((Path(__file__).parents[2] / "playbooks/roles/monitoring/defaults/main.yml").read_text())
    policy = MonitoringPolicy.of(ObservabilitySettings(identity_key=IDENTITY_KEY))  # type: ignore[call-arg]
    assert policy == MonitoringPolicy()  # the dataclass's defaults are the settings' too
    prometheus = role["monitoring_prometheus_values"]["fullnameOverride"].replace(
        "{{ monitoring_prometheus_release }}", role["monitoring_prometheus_release"]
    )
    assert (policy.namespace, policy.prometheus_service) == (role["monitoring_namespace"], f"{prometheus}-prometheus")
    assert role["monitoring_prometheus_url"].endswith(f".svc:{policy.prometheus_port}")
    grafana = role["monitoring_grafana_values"]
    grafana_service = grafana["fullnameOverride"].replace(
        "{{ monitoring_grafana_release }}", role["monitoring_grafana_release"]
    )
    assert (policy.grafana_service, policy.grafana_port) == (grafana_service, str(grafana["service"]["port"]))
    root_url = role["monitoring_grafana_root_url"].replace("{{ ko_cluster.id }}", "{cluster_id}")
    assert root_url == "%(protocol)s://%(domain)s/" + GRAFANA_SUB_PATH
    assert grafana["grafana.ini"]["server"]["serve_from_sub_path"] is True
