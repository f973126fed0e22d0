"""Cluster access for services: the admin kubeconfig only to the allowed services, audited, never logged.

The deployment service is served for real; the allowed services call it through
``ko_common.cluster_access.ClusterAccessClient`` as they would in the product. The gateway is
served in front of a recording stand-in to show that no public path reaches ``/internal``.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from fastapi import FastAPI, Request
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import DeliverPolicy
from pydantic import ValidationError
from starlette.responses import JSONResponse

from ko_common.cluster_access import (
    ClusterAccessClient,
    ClusterAccessRefused,
    ClusterNotDeployed,
    ClusterNotFound,
    DeploymentUnavailable,
)
from ko_common.crypto import SecretBox, attach, box_for
from ko_common.db import Database, new_id
from ko_common.identity import Identity, service_identity
from ko_common.logging import JsonFormatter
from ko_deployment.app import DeploymentSettings
from ko_deployment.clusters.models import Cluster
from ko_gateway.app import create_app as create_gateway
from ko_gateway.proxy.routes import RESOURCE_OWNERS
from ko_gateway.settings import GatewaySettings
from tests.deployment.conftest import ADMIN, ALICE, IDENTITY_KEY, Deployment
from tests.support.procs import NatsServer, free_port
from tests.support.serve import served

# A distinctive stand-in for the client key: it must show up nowhere but in the granted answer.
CLIENT_KEY = "S0VZLW9mLXRoZS1jbHVzdGVyLWFjY2Vzcy10ZXN0LTlmM2Ex"
KUBECONFIG = f"""apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://10.1.0.10:6443
    certificate-authority-data: Q0EtZGF0YQ==
contexts:
- name: kubernetes-admin@prod
  context: {{cluster: prod, user: kubernetes-admin}}
current-context: kubernetes-admin@prod
users:
- name: kubernetes-admin
  user:
    client-certificate-data: Q0VSVC1kYXRh
    client-key-data: {CLIENT_KEY}
"""
GRANTED = "kubeoperator.deployment.cluster.access-granted.v1"
REFUSED = "kubeoperator.deployment.cluster.access-refused.v1"


async def _seed(d: Deployment) -> tuple[str, str]:
    """A running cluster with its kubeconfig (encrypted with the service's key) and one still deploying."""
    db = Database(d.settings.resolved_database_url, "deployment")
    attach(db.sessionmaker, SecretBox.from_settings(d.settings))
    running, deploying = new_id(), new_id()
    try:
        async with db.transaction() as session:
            sealed = box_for(session).encrypt(KUBECONFIG, table="clusters", row_id=running, field="kubeconfig")
            session.add(Cluster(id=running, project_id="p1", name="prod", version="1.36.0", status="running",
                                spec={}, kubeconfig_enc=sealed))  # fmt: skip
            session.add(Cluster(id=deploying, project_id="p1", name="next", version="1.36.0", status="deploying",
                                spec={}))  # fmt: skip
    finally:
        await db.dispose()
    return running, deploying


def client(d: Deployment, service: str) -> ClusterAccessClient:
    return ClusterAccessClient(d.base, IDENTITY_KEY.encode(), service)


def fetch(d: Deployment, service: str, cluster_id: str) -> Any:
    return asyncio.run(client(d, service).kubeconfig(cluster_id))


async def _events(
    nats_url: str, cluster_id: str, count: int, timeout: float = 15
) -> list[tuple[bytes, dict[str, Any]]]:
    """The cluster's events on KO_EVENTS (raw and parsed), once ``count`` have come."""
    nc = await nats.connect(nats_url)
    try:
        sub = await nc.jetstream().subscribe(
            "ko.deployment.cluster.>", stream="KO_EVENTS", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
        )
        got: list[tuple[bytes, dict[str, Any]]] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while len(got) < count and asyncio.get_running_loop().time() < deadline:
            try:
                msg = await sub.next_msg(timeout=0.5)
            except (NatsTimeout, TimeoutError):
                continue
            envelope = json.loads(msg.data)
            if envelope["subject"] == cluster_id:
                got.append((msg.data, envelope))
        return got
    finally:
        await nc.close()


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record as the service writes it (JSON line with its structured fields)."""
    formatter = JsonFormatter("deployment")
    return "\n".join(formatter.format(r) for r in caplog.records)


def test_an_allowed_service_gets_the_kubeconfig_and_each_grant_is_audited(
    deployment: Deployment, nats_server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    running, _ = asyncio.run(_seed(deployment))

    got = fetch(deployment, "observability", running)
    assert (got.cluster_id, got.project_id, got.name) == (running, "p1", "prod")
    assert got.kubeconfig == KUBECONFIG and got.server == "https://10.1.0.10:6443"
    assert CLIENT_KEY not in repr(got)
    assert fetch(deployment, "backup", running).kubeconfig == KUBECONFIG

    events = asyncio.run(_events(nats_server.url, running, 2))
    assert [(e["type"], e["data"]["service"]) for _, e in events] == [(GRANTED, "observability"), (GRANTED, "backup")]
    for raw, envelope in events:
        assert envelope["projectid"] == "p1" and envelope["source"] == "ko/deployment"
        assert set(envelope["data"]) == {"cluster_id", "project_id", "service", "at", "reason"}
        assert envelope["data"]["cluster_id"] == running and envelope["data"]["reason"] is None
        assert CLIENT_KEY.encode() not in raw and b"apiVersion" not in raw

    text = logged(caplog)
    assert text.count("cluster access granted") == 2 and '"caller": "backup"' in text
    assert CLIENT_KEY not in text and "client-key-data" not in text


def test_users_and_unlisted_services_are_refused_and_refusals_to_services_audited(
    deployment: Deployment, nats_server: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    d = deployment
    running, _ = asyncio.run(_seed(d))
    path = f"/internal/clusters/{running}/kubeconfig"

    for who in (ADMIN, ALICE, Identity("u-ro", "ro", projects={"p1": "read-only"})):
        r = d.call("GET", path, who)
        assert r.status_code == 403 and r.json()["error"] == "forbidden", r.text
        assert "KO_CLUSTER_ACCESS_SERVICES (observability, backup, tools)" in r.json()["detail"]
        assert f"GET /api/v1/clusters/{running}/kubeconfig" in r.json()["detail"]
    assert d.call("GET", path, None).status_code == 401

    with pytest.raises(ClusterAccessRefused, match="the provisioning service is not in KO_CLUSTER_ACCESS_SERVICES"):
        fetch(d, "provisioning", running)
    # Refused before the lookup: a refused service cannot tell a missing cluster from a real one.
    with pytest.raises(ClusterAccessRefused):
        fetch(d, "provisioning", "no-such-cluster")
    # The list is read at every call: a service taken off it is refused from then on.
    d.settings.cluster_access_services = ("backup",)
    with pytest.raises(
        ClusterAccessRefused, match=r"observability service is not in KO_CLUSTER_ACCESS_SERVICES \(backup\)"
    ):
        fetch(d, "observability", running)

    events = asyncio.run(_events(nats_server.url, running, 2))
    assert [(e["type"], e["data"]["service"], e["data"]["project_id"]) for _, e in events] == [
        (REFUSED, "provisioning", "p1"),
        (REFUSED, "observability", "p1"),
    ]
    assert "not in KO_CLUSTER_ACCESS_SERVICES" in events[0][1]["data"]["reason"]
    assert all(CLIENT_KEY.encode() not in raw for raw, _ in events)
    text = logged(caplog)
    assert text.count("cluster access refused to a user") == 3 and text.count('cluster access refused"') == 3
    assert CLIENT_KEY not in text and "cluster access granted" not in text


def test_unknown_and_undeployed_clusters_are_named(deployment: Deployment) -> None:
    _, deploying = asyncio.run(_seed(deployment))
    with pytest.raises(ClusterNotFound, match="No cluster no-such-cluster"):
        fetch(deployment, "tools", "no-such-cluster")
    with pytest.raises(ClusterNotDeployed, match=r"Cluster next is not deployed yet \(deploying\)"):
        fetch(deployment, "tools", deploying)
    r = deployment.call("GET", f"/internal/clusters/{'x' * 65}/kubeconfig", service_identity("tools"))
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "cluster_id", r.text


def test_an_unreachable_deployment_service_is_said_so() -> None:
    dead = ClusterAccessClient(f"http://127.0.0.1:{free_port()}", IDENTITY_KEY, "backup", timeout=2)
    with pytest.raises(DeploymentUnavailable, match=r"not reachable .*KO_DEPLOYMENT_URL"):
        asyncio.run(dead.kubeconfig("c1"))


def test_the_allow_list_setting() -> None:
    def allowed(value: Any) -> tuple[str, ...]:
        settings = DeploymentSettings(cluster_access_services=value, identity_key=IDENTITY_KEY)  # type: ignore[call-arg]
        return settings.cluster_access_services

    assert DeploymentSettings(identity_key=IDENTITY_KEY).cluster_access_services == (  # type: ignore[call-arg]
        "observability",
        "backup",
        "tools",
    )
    assert allowed(" backup, tools ,") == ("backup", "tools")
    assert allowed("") == ()
    with pytest.raises(ValidationError, match=r"KO_CLUSTER_ACCESS_SERVICES holds .*'Backup Service'"):
        allowed("observability,Backup Service")


# --- the gateway ----------------------------------------------------------------------------------


def recorder(paths: list[str]) -> FastAPI:
    """Plays the deployment service behind the gateway: answers everything and notes the path."""
    app = FastAPI()

    @app.api_route("/{rest:path}", methods=["GET", "HEAD"])
    async def anything(rest: str, request: Request) -> JSONResponse:
        if rest != "readyz":
            paths.append(request.url.path)
        return JSONResponse({"kubeconfig": "from the service"})

    return app


@pytest.fixture
def gateway(tmp_path: Path, nats_server: NatsServer) -> Iterator[tuple[str, list[str]]]:
    paths: list[str] = []
    with served(recorder(paths)) as deployment_url:
        settings = GatewaySettings(
            data_dir=tmp_path / "gw",
            nats_url=nats_server.url,
            identity_key=IDENTITY_KEY,
            admin_password="Gateway-Test-Passw0rd!",
            deployment_url=deployment_url,
            console_dir=tmp_path / "no-console",
        )
        with served(create_gateway(settings)) as base:
            yield base, paths


def test_no_public_path_reaches_the_internal_route(gateway: tuple[str, list[str]]) -> None:
    base, paths = gateway
    assert "internal" not in RESOURCE_OWNERS
    with httpx.Client(base_url=base, timeout=30, trust_env=False) as browser:
        r = browser.post("/api/v1/auth/login", json={"username": "admin", "password": "Gateway-Test-Passw0rd!"})
        assert r.status_code == 200, r.text
        cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        # Forwarding works as such: the stand-in is reached by a plain path.
        assert browser.get("/api/v1/clusters/c1").status_code == 200 and paths == ["/api/v1/clusters/c1"]
    paths.clear()

    host, port = base.removeprefix("http://").split(":")
    tricks = [
        "/internal/clusters/c1/kubeconfig",
        "/api/v1/internal/clusters/c1/kubeconfig",
        "/api/v1/clusters/../../../internal/clusters/c1/kubeconfig",
        "/api/v1/clusters/%2e%2e/%2e%2e/%2e%2e/internal/clusters/c1/kubeconfig",
        "/api/v1/clusters/..%2f..%2f..%2finternal/clusters/c1/kubeconfig",
        "/repository/../internal/clusters/c1/kubeconfig",
        "/repository/%2e%2e/internal/clusters/c1/kubeconfig",
    ]
    for trick in tricks:
        # http.client sends the path as written (httpx would resolve the dots before sending).
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            conn.request("GET", trick, headers={"Cookie": cookie})
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        assert (paths, b"from the service" in body) == ([], False), trick
        if trick != tricks[0]:  # that one is the console's page (the browser's routes), not an API answer
            assert response.status == 404, (trick, response.status, body)
