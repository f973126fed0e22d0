"""The RBAC matrix: every operation of the public OpenAPI document x role x project.

Each operation declares who may call it (``x-ko-permission``). For every operationId there is a
builder below that makes a valid request (fresh resources where the call destroys one), so the only
thing that varies is the caller. An operation without a builder fails the test: a new route joins
the matrix when it is added.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import itertools
import re
import shutil
import socket
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.support.stack import Stack
from tests.system.helpers import API, World, sse_status, unique

PERMISSIONS = {"public", "authenticated", "project:read", "project:write", "admin"}
ROLES = ("admin", "pm", "ro", "outsider", "anonymous")
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
STREAMING = {"liveProjectEvents", "liveOperationEvents"}  # Server-Sent Events: authorised separately below


@dataclass
class Call:
    method: str
    path: str
    json: Any = None
    params: dict[str, Any] | None = None
    content: str | None = None  # a raw body (file uploads), sent with ``headers``
    headers: dict[str, str] = field(default_factory=dict)
    audit_username: str | None = None  # who the audit log names, when not the caller (login)
    # Run after the call with its status: checks that a refused call changed nothing and an allowed one did.
    after: Callable[[int], None] | None = None


@dataclass
class Matrix:
    world: World
    shared: dict[str, Any] = field(default_factory=dict)

    def project(self, which: str | None) -> str:
        assert which in ("A", "B")
        return self.world.a if which == "A" else self.world.b

    def person(self, role: str) -> Any:
        return None if role == "anonymous" else self.world.people[role]

    def client(self, role: str) -> httpx.Client:
        person = self.person(role)
        return self.world.anonymous() if person is None else person.client

    @property
    def admin(self) -> httpx.Client:
        return self.world.admin.client

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self.shared:
            self.shared[key] = make()
        return self.shared[key]

    def target_user(self) -> str:
        """A user that calls may read, change and unlock."""
        return str(self.once("target-user", lambda: self.world.new_user("target")[0]))

    def login_user(self) -> tuple[str, str]:
        return self.once("login-user", lambda: self.world.new_user("login")[1:])  # type: ignore[no-any-return]

    def credential(self, project: str) -> str:
        return str(self.once(f"cred-{project}", lambda: self.world.new_credential(project, "rbac")["id"]))

    def host(self, project: str) -> str:
        return str(self.once(f"host-{project}", lambda: self.world.seed_host(project, self.credential(project))))

    def made(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        r = self.admin.post(f"{API}/{kind}", json=body)
        assert r.status_code == 201, r.text
        out: dict[str, Any] = r.json()
        return out

    def new_region(self, project: str) -> dict[str, Any]:
        return self.made("regions", _region_body(project))

    def new_pool(self, project: str) -> dict[str, Any]:
        return self.made("ip-pools", _pool_body(project))

    def new_zone(self, project: str) -> dict[str, Any]:
        return self.made("zones", _zone_body(project, self.region(project), self.pool(project)))

    def new_plan(self, project: str) -> dict[str, Any]:
        return self.made("plans", _plan_body(project, self.region(project), self.zone(project)))

    def region(self, project: str) -> str:
        return str(self.once(f"region-{project}", lambda: self.new_region(project)["id"]))

    def pool(self, project: str) -> str:
        return str(self.once(f"pool-{project}", lambda: self.new_pool(project)["id"]))

    def zone(self, project: str) -> str:
        return str(self.once(f"zone-{project}", lambda: self.new_zone(project)["id"]))

    def plan(self, project: str) -> str:
        return str(self.once(f"plan-{project}", lambda: self.new_plan(project)["id"]))

    def cluster(self, project: str) -> str:
        return str(self.once(f"cluster-{project}", lambda: _seed_cluster(self, project)))

    def new_workspace(self, project: str) -> dict[str, Any]:
        # Its provisioning runs and fails at Terraform's init (the stack has no provider mirror): harmless.
        return self.made(
            "workspaces", {"project_id": project, "name": unique("rbac-ws"), "plan_id": self.plan(project)}
        )

    def workspace(self, project: str) -> str:
        return str(self.once(f"workspace-{project}", lambda: self.new_workspace(project)["id"]))

    def operation(self, project: str) -> str:
        return str(self.once(f"operation-{project}", lambda: _seed_operation(self, project, "failed")))

    def exists(self, path: str) -> Callable[[int], None]:
        """After the call: the resource is gone if the call succeeded, untouched otherwise."""

        def check(status: int) -> None:
            got = self.admin.get(path).status_code
            assert got == (404 if status < 300 else 200), f"after {status}, GET {path} -> {got}"

        return check


Builder = Callable[[Matrix, str, str | None], Call]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _register_host(m: Matrix, role: str, project: str | None) -> Call:
    project_id = m.project(project)
    body = {"project_id": project_id, "name": unique("reg"), "ip": "127.0.0.1", "port": _closed_port(),
            "credential_id": m.credential(project_id)}  # fmt: skip
    return Call("POST", f"{API}/hosts", body)


def _import_hosts(m: Matrix, role: str, project: str | None) -> Call:
    project_id = m.project(project)
    csv = f"name,ip,port,credential\n{unique('imp')},127.0.0.1,{_closed_port()},{m.credential(project_id)}\n"
    return Call(
        "POST", f"{API}/hosts/import", params={"project_id": project_id}, content=csv,
        headers={"content-type": "text/csv"},
    )  # fmt: skip


def _delete_host(m: Matrix, role: str, project: str | None) -> Call:
    project_id = m.project(project)
    path = f"{API}/hosts/{m.world.seed_host(project_id, m.credential(project_id))}"
    return Call("DELETE", path, after=m.exists(path))


def _accept_host_key(m: Matrix, role: str, project: str | None) -> Call:
    project_id = m.world.a
    host_id = m.world.seed_host(project_id, m.credential(project_id), pending_key=True)
    pending = m.admin.get(f"{API}/hosts/{host_id}").json()["host_key"]["pending_fingerprint"]
    return Call("POST", f"{API}/hosts/{host_id}/host-key/accept", {"fingerprint": pending})


def _login(m: Matrix, role: str, project: str | None) -> Call:
    username, password = m.login_user()
    return Call("POST", f"{API}/auth/login", {"username": username, "password": password}, audit_username=username)


def _logout(m: Matrix, role: str, project: str | None) -> Call:
    # With a bearer token there is no session to end: the call succeeds and the token keeps working.
    return Call("POST", f"{API}/auth/logout")


def _change_password(m: Matrix, role: str, project: str | None) -> Call:
    # A wrong current password: authorised callers get to the check (400), nobody's password changes.
    return Call(
        "POST",
        f"{API}/auth/password",
        {"current_password": "not-" + uuid.uuid4().hex, "new_password": "Pw-" + uuid.uuid4().hex},
    )


def _revoke_token(m: Matrix, role: str, project: str | None) -> Call:
    owner = m.client(role) if role != "anonymous" else m.admin
    made = owner.post(f"{API}/auth/tokens", json={"name": unique("revoke")})
    assert made.status_code == 201, made.text
    token = made.json()["token"]

    def still_works(status: int) -> None:
        got = m.world.stack.client(token).get(f"{API}/auth/me").status_code
        assert got == (401 if status < 300 else 200), f"after {status} the token answers {got}"

    return Call("DELETE", f"{API}/auth/tokens/{made.json()['id']}", after=still_works)


def _create_credential(m: Matrix, role: str, project: str | None) -> Call:
    body = {
        "project_id": m.project(project),
        "name": unique("rbac-new"),
        "username": "root",
        "auth_type": "password",
        "password": "Pw-" + uuid.uuid4().hex,
    }
    return Call("POST", f"{API}/credentials", body)


def _delete_credential(m: Matrix, role: str, project: str | None) -> Call:
    cred = m.world.new_credential(m.project(project), "rbac-del")
    path = f"{API}/credentials/{cred['id']}"
    return Call("DELETE", path, after=m.exists(path))


_loopback_subnets = itertools.count(1)


def _region_body(project_id: str) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "name": unique("rbac-region"),
        "provider": "vsphere",
        "endpoint": "https://vcenter.example.local",
        "datacenter": "DC1",
        "username": "administrator@vsphere.local",
        "password": "Pw-" + uuid.uuid4().hex,
    }


def _closed_region(m: Matrix, project_id: str) -> str:
    """A region whose vCenter is a closed loopback port: its login test fails at once (200, ok=false)."""

    def make() -> str:
        body = _region_body(project_id) | {"endpoint": f"https://127.0.0.1:{_closed_port()}"}
        return str(m.made("regions", body)["id"])

    return str(m.once(f"closed-region-{project_id}", make))


def _pool_body(project_id: str) -> dict[str, Any]:
    # Loopback only (the stack also runs with probing off): nothing is sent beyond this machine.
    n = next(_loopback_subnets)
    base = f"127.{200 + n // 256}.{n % 256}"
    return {
        "project_id": project_id,
        "name": unique("rbac-pool"),
        "subnet": f"{base}.0/24",
        "gateway": f"{base}.1",
        "ranges": [{"start": f"{base}.10", "end": f"{base}.40"}],
    }


def _zone_body(project_id: str, region_id: str, pool_id: str) -> dict[str, Any]:
    settings = {"cluster": "c1", "datastore": "ds1", "template": "tpl", "network": "VM Network"}
    return {
        "project_id": project_id,
        "name": unique("rbac-zone"),
        "region_id": region_id,
        "ip_pool_id": pool_id,
        "provider_settings": settings,
    }


def _plan_body(project_id: str, region_id: str, zone_id: str) -> dict[str, Any]:
    size = {"cpus": 2, "memory_gib": 4, "disk_gib": 40}
    return {
        "project_id": project_id,
        "name": unique("rbac-plan"),
        "region_id": region_id,
        "topology": "single",
        "worker_count": 1,
        "master_size": size,
        "worker_size": size,
        "zone_ids": [zone_id],
    }


def _delete_cloud(kind: str, make: Callable[[Matrix, str], dict[str, Any]]) -> Builder:
    def build(m: Matrix, role: str, project: str | None) -> Call:
        path = f"{API}/{kind}/{make(m, m.project(project))['id']}"
        return Call("DELETE", path, after=m.exists(path))

    return build


def _delete_project(m: Matrix, role: str, project: str | None) -> Call:
    path = f"{API}/projects/{m.world.new_project('rbac-del')}"
    return Call("DELETE", path, after=m.exists(path))


def _remove_member(m: Matrix, role: str, project: str | None) -> Call:
    project_id = m.project(project)
    user_id = m.target_user()
    m.world.set_member(project_id, user_id, "read-only")

    def check(status: int) -> None:
        members = {u["user_id"] for u in m.admin.get(f"{API}/projects/{project_id}/members").json()}
        assert (user_id in members) == (status >= 300), f"after {status}, member: {user_id in members}"

    return Call("DELETE", f"{API}/projects/{project_id}/members/{user_id}", after=check)


def _seed_offline_package(m: Matrix) -> str:
    """A failed offline package row written straight into deployment's database: no import runs in the matrix."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from ko_common.db import new_id
    from ko_deployment.packages.models import OfflinePackage

    manifest = {
        "apiVersion": "kubeoperator.io/package/v1", "kubernetesVersion": "1.36.0", "arch": "amd64",
        "components": {}, "artifacts": [{"kind": "binary", "name": "kubeadm", "version": "1.36.0", "arch": "amd64",
                                         "path": "bin/kubeadm", "sha256": "0" * 64, "size": 1}],
    }  # fmt: skip
    package_id = new_id()
    package = OfflinePackage(
        id=package_id, version="1.36.0", arch="amd64", status="failed", error="seeded by the RBAC test",
        source="/nonexistent", manifest=manifest, size=1, artifact_count=1, imported_by="rbac",
    )  # fmt: skip
    engine = create_engine(f"sqlite:///{m.world.stack.data_dir / 'deployment.db'}")
    try:
        with Session(engine) as session, session.begin():
            session.add(package)
    finally:
        engine.dispose()
    return package_id


def _delete_offline_package(m: Matrix, role: str, project: str | None) -> Call:
    # Only the admin's call may succeed; the refused ones share one package (it must survive them all).
    package_id = (
        _seed_offline_package(m) if role == "admin" else m.once("package-victim", lambda: _seed_offline_package(m))
    )
    path = f"{API}/offline-packages/{package_id}"
    return Call("DELETE", path, after=m.exists(path))


def _seed_operation(m: Matrix, project_id: str, status: str) -> str:
    """An operation row written straight into deployment's database (clusters create them for real).

    Its only host does not exist, so a retried one fails at once in the worker: nothing runs.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from ko_common.db import new_id
    from ko_deployment.operations.models import Operation, OperationPhase

    op_id = new_id()
    op = Operation(
        id=op_id, project_id=project_id, cluster_id=unique("rbac-cluster"), kind="test", status=status,
        created_by="rbac", spec={"nodes": [{"host_id": "no-such-host", "groups": ["masters"]}]},
        attempts=1, phases=[OperationPhase(position=0, name="one", target="none.yml", status="failed")],
    )  # fmt: skip
    engine = create_engine(f"sqlite:///{m.world.stack.data_dir / 'deployment.db'}")
    try:
        with Session(engine) as session, session.begin():
            session.add(op)
    finally:
        engine.dispose()
    return op_id


def _seed_cluster(m: Matrix, project_id: str) -> str:
    """A cluster row written straight into deployment's database (no kubeconfig yet)."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from ko_common.db import new_id
    from ko_deployment.clusters.models import Cluster

    cluster_id = new_id()
    cluster = Cluster(id=cluster_id, project_id=project_id, name=unique("rbac"), version="1.36.0", status="failed",
                      spec={}, created_by="rbac")  # fmt: skip
    engine = create_engine(f"sqlite:///{m.world.stack.data_dir / 'deployment.db'}")
    try:
        with Session(engine) as session, session.begin():
            session.add(cluster)
    finally:
        engine.dispose()
    return cluster_id


def _delete_cluster(m: Matrix, role: str, project: str | None) -> Call:
    # force: forgotten at once (no reset playbook runs in the matrix); refused callers share one victim.
    project_id = m.project(project)
    if role in ("pm", "admin"):
        cluster_id = _seed_cluster(m, project_id)
    else:
        cluster_id = m.once(f"cluster-victim-{project_id}", lambda: _seed_cluster(m, project_id))
    path = f"{API}/clusters/{cluster_id}"
    return Call("DELETE", path, params={"force": "true"}, after=m.exists(path))


def _operation_action(action: str, status: str) -> Builder:
    def build(m: Matrix, role: str, project: str | None) -> Call:
        # The project manager's call succeeds and changes the operation: it gets one of its own.
        project_id = m.project(project)
        if role in ("pm", "admin"):
            op_id = _seed_operation(m, project_id, status)
        else:
            op_id = m.once(f"op-{action}-{project_id}", lambda: _seed_operation(m, project_id, status))
        return Call("POST", f"{API}/operations/{op_id}/{action}")

    return build


def _delete_user(m: Matrix, role: str, project: str | None) -> Call:
    # Only the admin's call may succeed; the refused ones share one victim (it must survive them all).
    user_id = (
        m.world.new_user("rbac-del")[0] if role == "admin" else m.once("victim", lambda: m.world.new_user("victim")[0])
    )
    path = f"{API}/users/{user_id}"
    return Call("DELETE", path, after=m.exists(path))


@functools.cache
def _scratch() -> str:
    """One directory for the matrix's local backup accounts, removed when the test process ends."""
    path = tempfile.mkdtemp(prefix="ko-rbac-")
    atexit.register(shutil.rmtree, path, True)
    return path


def _local_dir() -> str:
    return tempfile.mkdtemp(prefix="backup-", dir=_scratch())


def _backup_account(m: Matrix, project: str) -> dict[str, Any]:
    """A local backup account shared with `project` (its directory made here: the service writes a probe)."""
    body = {"name": unique("rbac-backup"), "kind": "local", "directory": _local_dir(),
            "project_ids": [project]}  # fmt: skip
    r = m.admin.post(f"{API}/backup-accounts", json=body)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _backup_account_id(m: Matrix, project: str) -> str:
    return str(m.once(f"backup-{project}", lambda: _backup_account(m, project)["id"]))


def _create_backup_account(m: Matrix, role: str, project: str | None) -> Call:
    body = {"name": unique("rbac-backup"), "kind": "local", "directory": _local_dir(),
            "project_ids": [m.project(project or "A")]}  # fmt: skip
    return Call("POST", f"{API}/backup-accounts", body)


def _delete_backup_account(m: Matrix, role: str, project: str | None) -> Call:
    path = f"{API}/backup-accounts/{_backup_account(m, m.project(project or 'A'))['id']}"
    return Call("DELETE", path, after=m.exists(path))


def _channel_body(project: str) -> dict[str, Any]:
    # A webhook nobody answers: a test send reports the failure, nothing leaves this machine.
    url = f"http://127.0.0.1:{_closed_port()}/hook"
    return {"project_id": project, "name": unique("rbac-channel"), "kind": "webhook",
            "config": {"url": url, "secret": "rbac-" + uuid.uuid4().hex}}  # fmt: skip


def _channel_id(m: Matrix, project: str) -> str:
    return str(m.once(f"channel-{project}", lambda: m.made("notification-channels", _channel_body(project))["id"]))


def _delete_channel(m: Matrix, role: str, project: str | None) -> Call:
    path = f"{API}/notification-channels/{m.made('notification-channels', _channel_body(m.project(project)))['id']}"
    return Call("DELETE", path, after=m.exists(path))


def _alert_route_body(m: Matrix, project: str) -> dict[str, Any]:
    return {"project_id": project, "name": unique("rbac-route"), "channel_ids": [_channel_id(m, project)]}


def _alert_route_id(m: Matrix, project: str) -> str:
    return str(m.once(f"alert-route-{project}", lambda: m.made("alert-routes", _alert_route_body(m, project))["id"]))


def _delete_alert_route(m: Matrix, role: str, project: str | None) -> Call:
    path = f"{API}/alert-routes/{m.made('alert-routes', _alert_route_body(m, m.project(project)))['id']}"
    return Call("DELETE", path, after=m.exists(path))


def _silence_body(project: str) -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    ends_at = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    return {"project_id": project, "rule": "node-not-ready", "ends_at": ends_at, "comment": "rbac"}


def _alert_id(m: Matrix, project_id: str) -> str:
    """An alert of the seeded cluster written straight into observability's database (no source fires one)."""

    def seed() -> str:
        from sqlalchemy import create_engine
        from sqlalchemy.orm import Session

        from ko_common.db import new_id, utcnow
        from ko_observability.alerts.models import Alert

        alert_id, now = new_id(), utcnow()
        row = Alert(id=alert_id, fingerprint=alert_id, rule="operation-failed", project_id=project_id,
                    cluster_id=m.cluster(project_id), cluster_name="rbac", subject="upgrade", severity="warning",
                    message="seeded by the RBAC test", status="firing", started_at=now, last_seen_at=now, count=1,
                    silenced=False, notified=True)  # fmt: skip
        engine = create_engine(f"sqlite:///{m.world.stack.data_dir / 'observability.db'}")
        try:
            with Session(engine) as session, session.begin():
                session.add(row)
        finally:
            engine.dispose()
        return alert_id

    return str(m.once(f"alert-{project_id}", seed))


def _health_cluster(m: Matrix, project_id: str) -> str:
    """The seeded cluster, made known to observability as the deployment's events would announce it."""

    def seed() -> str:
        from sqlalchemy import create_engine
        from sqlalchemy.orm import Session

        from ko_common.db import utcnow
        from ko_observability.health.models import ClusterHealth

        cluster_id = m.cluster(project_id)
        row = ClusterHealth(cluster_id=cluster_id, project_id=project_id, name="rbac", cluster_status="failed",
                            announced_at=utcnow(), state="unknown", reasons="[]", due_at=utcnow())  # fmt: skip
        engine = create_engine(f"sqlite:///{m.world.stack.data_dir / 'observability.db'}")
        try:
            with Session(engine) as session, session.begin():
                session.add(row)
        finally:
            engine.dispose()
        return cluster_id

    return str(m.once(f"health-{project_id}", seed))


BUILDERS: dict[str, Builder] = {
    # auth
    "login": _login,
    "logout": _logout,
    "getMe": lambda m, r, p: Call("GET", f"{API}/auth/me"),
    "changeMyPassword": _change_password,
    "createToken": lambda m, r, p: Call("POST", f"{API}/auth/tokens", {"name": unique("rbac")}),
    "listTokens": lambda m, r, p: Call("GET", f"{API}/auth/tokens"),
    "revokeToken": _revoke_token,
    # system
    "getHealth": lambda m, r, p: Call("GET", f"{API}/health"),
    "listAudit": lambda m, r, p: Call("GET", f"{API}/audit", params={"limit": 5}),
    # users
    "listUsers": lambda m, r, p: Call("GET", f"{API}/users"),
    "createUser": lambda m, r, p: Call(
        "POST", f"{API}/users", {"username": unique("rbac"), "password": "Pw-" + uuid.uuid4().hex}
    ),
    "getUser": lambda m, r, p: Call("GET", f"{API}/users/{m.target_user()}"),
    "updateUser": lambda m, r, p: Call("PATCH", f"{API}/users/{m.target_user()}", {"display_name": f"by {r}"}),
    "unlockUser": lambda m, r, p: Call("POST", f"{API}/users/{m.target_user()}/unlock"),
    "deleteUser": _delete_user,
    # projects
    "listProjects": lambda m, r, p: Call("GET", f"{API}/projects"),
    "createProject": lambda m, r, p: Call("POST", f"{API}/projects", {"name": unique("rbac")}),
    "getProject": lambda m, r, p: Call("GET", f"{API}/projects/{m.project(p)}"),
    "updateProject": lambda m, r, p: Call("PATCH", f"{API}/projects/{m.world.a}", {"description": f"by {r}"}),
    "deleteProject": _delete_project,
    "listProjectMembers": lambda m, r, p: Call("GET", f"{API}/projects/{m.project(p)}/members"),
    "listMemberCandidates": lambda m, r, p: Call(
        "GET", f"{API}/projects/{m.project(p)}/member-candidates", params={"q": "r"}
    ),
    "setProjectMember": lambda m, r, p: Call(
        "PUT", f"{API}/projects/{m.project(p)}/members/{m.target_user()}", {"role": "read-only"}
    ),
    "removeProjectMember": _remove_member,
    # credentials (inventory)
    "listCredentials": lambda m, r, p: Call("GET", f"{API}/credentials", params={"project_id": m.project(p)}),
    "createCredential": _create_credential,
    "getCredential": lambda m, r, p: Call("GET", f"{API}/credentials/{m.credential(m.project(p))}"),
    "updateCredential": lambda m, r, p: Call(
        "PATCH", f"{API}/credentials/{m.credential(m.project(p))}", {"description": f"by {r}"}
    ),
    "deleteCredential": _delete_credential,
    # hosts (inventory); the seeded hosts are 127.0.0.1 on a closed port: checks answer `unreachable`
    "listHosts": lambda m, r, p: Call("GET", f"{API}/hosts", params={"project_id": m.project(p)}),
    "registerHost": _register_host,
    "importHosts": _import_hosts,
    "checkHosts": lambda m, r, p: Call("POST", f"{API}/hosts/checks", {"host_ids": [m.host(m.project(p))]}),
    "getHost": lambda m, r, p: Call("GET", f"{API}/hosts/{m.host(m.project(p))}"),
    "updateHost": lambda m, r, p: Call("PATCH", f"{API}/hosts/{m.host(m.project(p))}", {"name": unique("by-" + r)}),
    "deleteHost": _delete_host,
    "checkHost": lambda m, r, p: Call("POST", f"{API}/hosts/{m.host(m.project(p))}/check"),
    "acceptHostKey": _accept_host_key,
    # regions, zones, plans, IP pools (inventory)
    "listRegions": lambda m, r, p: Call("GET", f"{API}/regions", params={"project_id": m.project(p)}),
    "createRegion": lambda m, r, p: Call("POST", f"{API}/regions", _region_body(m.project(p))),
    "getRegion": lambda m, r, p: Call("GET", f"{API}/regions/{m.region(m.project(p))}"),
    "updateRegion": lambda m, r, p: Call(
        "PATCH", f"{API}/regions/{m.region(m.project(p))}", {"description": f"by {r}"}
    ),
    "deleteRegion": _delete_cloud("regions", Matrix.new_region),
    "testRegion": lambda m, r, p: Call("POST", f"{API}/regions/{_closed_region(m, m.project(p))}/test"),
    "listZones": lambda m, r, p: Call("GET", f"{API}/zones", params={"project_id": m.project(p)}),
    "createZone": lambda m, r, p: Call(
        "POST", f"{API}/zones", _zone_body(m.project(p), m.region(m.project(p)), m.pool(m.project(p)))
    ),
    "getZone": lambda m, r, p: Call("GET", f"{API}/zones/{m.zone(m.project(p))}"),
    "updateZone": lambda m, r, p: Call("PATCH", f"{API}/zones/{m.zone(m.project(p))}", {"description": f"by {r}"}),
    "deleteZone": _delete_cloud("zones", Matrix.new_zone),
    "listPlans": lambda m, r, p: Call("GET", f"{API}/plans", params={"project_id": m.project(p)}),
    "createPlan": lambda m, r, p: Call(
        "POST", f"{API}/plans", _plan_body(m.project(p), m.region(m.project(p)), m.zone(m.project(p)))
    ),
    "getPlan": lambda m, r, p: Call("GET", f"{API}/plans/{m.plan(m.project(p))}"),
    "updatePlan": lambda m, r, p: Call("PATCH", f"{API}/plans/{m.plan(m.project(p))}", {"description": f"by {r}"}),
    "deletePlan": _delete_cloud("plans", Matrix.new_plan),
    "listIpPools": lambda m, r, p: Call("GET", f"{API}/ip-pools", params={"project_id": m.project(p)}),
    "createIpPool": lambda m, r, p: Call("POST", f"{API}/ip-pools", _pool_body(m.project(p))),
    "getIpPool": lambda m, r, p: Call("GET", f"{API}/ip-pools/{m.pool(m.project(p))}"),
    "updateIpPool": lambda m, r, p: Call("PATCH", f"{API}/ip-pools/{m.pool(m.project(p))}", {"description": f"by {r}"}),
    "deleteIpPool": _delete_cloud("ip-pools", Matrix.new_pool),
    "listIpAddresses": lambda m, r, p: Call("GET", f"{API}/ip-pools/{m.pool(m.project(p))}/addresses"),
    "allocateIpAddresses": lambda m, r, p: Call(
        "POST", f"{API}/ip-pools/{m.pool(m.project(p))}/allocations", {"count": 1, "owner": f"rbac-{r}"}
    ),
    "releaseIpAddresses": lambda m, r, p: Call(
        "POST", f"{API}/ip-pools/{m.pool(m.project(p))}/releases", {"owner": "rbac-nobody"}
    ),
    # offline packages (deployment); a source that does not exist: nothing is ever imported here
    "importOfflinePackage": lambda m, r, p: Call(
        "POST", f"{API}/offline-packages", {"source": f"/nonexistent/rbac-{uuid.uuid4().hex}"}
    ),
    "listOfflinePackages": lambda m, r, p: Call("GET", f"{API}/offline-packages"),
    "getOfflineRepository": lambda m, r, p: Call("GET", f"{API}/offline-packages/repository"),
    "getOfflinePackage": lambda m, r, p: Call(
        "GET", f"{API}/offline-packages/{m.once('package', lambda: _seed_offline_package(m))}"
    ),
    "deleteOfflinePackage": _delete_offline_package,
    "listKubernetesVersions": lambda m, r, p: Call("GET", f"{API}/versions"),
    # operations (deployment); seeded rows, see _seed_operation
    "listOperations": lambda m, r, p: Call("GET", f"{API}/operations", params={"project_id": m.project(p)}),
    "getOperation": lambda m, r, p: Call("GET", f"{API}/operations/{m.operation(m.project(p))}"),
    "listOperationEvents": lambda m, r, p: Call("GET", f"{API}/operations/{m.operation(m.project(p))}/events"),
    "retryOperation": _operation_action("retry", "failed"),
    "cancelOperation": _operation_action("cancel", "running"),
    # clusters (deployment); a plan naming a host that does not exist: refused, nothing claimed
    "listClusters": lambda m, r, p: Call("GET", f"{API}/clusters", params={"project_id": m.project(p)}),
    "createCluster": lambda m, r, p: Call(
        "POST",
        f"{API}/clusters",
        {
            "project_id": m.project(p),
            "name": "rbac",
            "version": "1.36.0",
            "topology": "single",
            "nodes": [{"host_id": "no-such-host", "role": "master"}],
        },
    ),
    "getCluster": lambda m, r, p: Call("GET", f"{API}/clusters/{m.cluster(m.project(p))}"),
    "downloadKubeconfig": lambda m, r, p: Call("GET", f"{API}/clusters/{m.cluster(m.project(p))}/kubeconfig"),
    "deleteCluster": _delete_cluster,
    # workers (deployment): a host that does not exist, a node that does not exist: refused, nothing changes
    "addWorkers": lambda m, r, p: Call(
        "POST", f"{API}/clusters/{m.cluster(m.project(p))}/workers", {"nodes": [{"host_id": "no-such-host"}]}
    ),
    "removeWorker": lambda m, r, p: Call("DELETE", f"{API}/clusters/{m.cluster(m.project(p))}/workers/no-such-node"),
    "rebuildWorker": lambda m, r, p: Call(
        "POST", f"{API}/clusters/{m.cluster(m.project(p))}/workers/no-such-node/rebuild"
    ),
    # certificates (deployment): read; a check or renewal of the seeded cluster (not running: refused)
    "getClusterCertificates": lambda m, r, p: Call("GET", f"{API}/clusters/{m.cluster(m.project(p))}/certificates"),
    "checkClusterCertificates": lambda m, r, p: Call(
        "POST", f"{API}/clusters/{m.cluster(m.project(p))}/certificates/check"
    ),
    "renewClusterCertificates": lambda m, r, p: Call(
        "POST", f"{API}/clusters/{m.cluster(m.project(p))}/certificates/renew"
    ),
    # compliance (deployment): the seeded cluster is not running (a check is refused), no such run, not a tarball
    "startComplianceCheck": lambda m, r, p: Call("POST", f"{API}/clusters/{m.cluster(m.project(p))}/compliance-runs"),
    "listComplianceRuns": lambda m, r, p: Call("GET", f"{API}/clusters/{m.cluster(m.project(p))}/compliance-runs"),
    "getComplianceRun": lambda m, r, p: Call(
        "GET", f"{API}/clusters/{m.cluster(m.project(p))}/compliance-runs/no-such-run"
    ),
    "downloadComplianceJunit": lambda m, r, p: Call(
        "GET", f"{API}/clusters/{m.cluster(m.project(p))}/compliance-runs/no-such-run/junit"
    ),
    "uploadSonobuoyResults": lambda m, r, p: Call(
        "POST",
        f"{API}/clusters/{m.cluster(m.project(p))}/compliance-runs/sonobuoy",
        content="not a tarball",
        headers={"Content-Type": "application/gzip"},
    ),
    # masters and upgrades (deployment): the seeded cluster is not running, the node and host do not exist
    "addMasters": lambda m, r, p: Call(
        "POST", f"{API}/clusters/{m.cluster(m.project(p))}/masters", {"nodes": [{"host_id": "no-such-host"}]}
    ),
    "removeMaster": lambda m, r, p: Call("DELETE", f"{API}/clusters/{m.cluster(m.project(p))}/masters/no-such-node"),
    "upgradeCluster": lambda m, r, p: Call(
        "POST", f"{API}/clusters/{m.cluster(m.project(p))}/upgrade", {"version": "1.99.0"}
    ),
    # the monitoring add-on (deployment): read; an install or removal of the seeded cluster (not running: refused)
    "getClusterMonitoring": lambda m, r, p: Call("GET", f"{API}/clusters/{m.cluster(m.project(p))}/addons/monitoring"),
    "putClusterMonitoring": lambda m, r, p: Call(
        "PUT", f"{API}/clusters/{m.cluster(m.project(p))}/addons/monitoring", {"retention_days": 7}
    ),
    "deleteClusterMonitoring": lambda m, r, p: Call(
        "DELETE", f"{API}/clusters/{m.cluster(m.project(p))}/addons/monitoring"
    ),
    # backups and restores of a cluster (backup): the seeded cluster is not running, the backup does not exist
    "listClusterBackups": lambda m, r, p: Call("GET", f"{API}/clusters/{m.cluster(m.project(p))}/backups"),
    "createClusterBackup": lambda m, r, p: Call(
        "POST",
        f"{API}/clusters/{m.cluster(m.project(p))}/backups",
        {"account_id": _backup_account_id(m, m.project(p or "A"))},
    ),
    "getClusterBackup": lambda m, r, p: Call("GET", f"{API}/clusters/{m.cluster(m.project(p))}/backups/no-such"),
    "deleteClusterBackup": lambda m, r, p: Call("DELETE", f"{API}/clusters/{m.cluster(m.project(p))}/backups/no-such"),
    "listClusterRestores": lambda m, r, p: Call("GET", f"{API}/clusters/{m.cluster(m.project(p))}/restores"),
    "createClusterRestore": lambda m, r, p: Call(
        "POST", f"{API}/clusters/{m.cluster(m.project(p))}/restores", {"backup_id": "no-such", "confirm": "x"}
    ),
    # a cluster's backup strategy (backup): set on the seeded cluster (not running: a strategy waits for it)
    "getClusterBackupStrategy": lambda m, r, p: Call(
        "GET", f"{API}/clusters/{m.cluster(m.project(p))}/backup-strategy"
    ),
    "putClusterBackupStrategy": lambda m, r, p: Call(
        "PUT",
        f"{API}/clusters/{m.cluster(m.project(p))}/backup-strategy",
        {"account_id": _backup_account_id(m, m.project(p or "A")), "cron": "0 2 * * *", "keep_count": 3},
    ),
    "deleteClusterBackupStrategy": lambda m, r, p: Call(
        "DELETE", f"{API}/clusters/{m.cluster(m.project(p))}/backup-strategy"
    ),
    # backup accounts (backup): admins write, members of the projects they are shared with read
    "listBackupAccounts": lambda m, r, p: Call(
        "GET", f"{API}/backup-accounts", params={"project_id": m.project(p or "A")}
    ),
    "createBackupAccount": _create_backup_account,
    "getBackupAccount": lambda m, r, p: Call(
        "GET", f"{API}/backup-accounts/{_backup_account_id(m, m.project(p or 'A'))}"
    ),
    "updateBackupAccount": lambda m, r, p: Call(
        "PATCH", f"{API}/backup-accounts/{_backup_account_id(m, m.project(p or 'A'))}", {"description": f"by {r}"}
    ),
    "deleteBackupAccount": _delete_backup_account,
    "testBackupAccount": lambda m, r, p: Call(
        "POST", f"{API}/backup-accounts/{_backup_account_id(m, m.project(p or 'A'))}/test"
    ),
    # workspaces (provisioning): VMs from a plan
    "listWorkspaces": lambda m, r, p: Call("GET", f"{API}/workspaces", params={"project_id": m.project(p)}),
    "createWorkspace": lambda m, r, p: Call(
        "POST",
        f"{API}/workspaces",
        {"project_id": m.project(p), "name": unique("rbac-ws"), "plan_id": m.plan(m.project(p))},
    ),
    "getWorkspace": lambda m, r, p: Call("GET", f"{API}/workspaces/{m.workspace(m.project(p))}"),
    "scaleWorkspace": lambda m, r, p: Call(
        "PATCH", f"{API}/workspaces/{m.workspace(m.project(p))}", {"worker_count": 1}
    ),
    "retryWorkspace": lambda m, r, p: Call("POST", f"{API}/workspaces/{m.workspace(m.project(p))}/retry"),
    "deleteWorkspace": lambda m, r, p: Call("DELETE", f"{API}/workspaces/{m.new_workspace(m.project(p))['id']}"),
    # notification channels (observability)
    "listNotificationChannels": lambda m, r, p: Call(
        "GET", f"{API}/notification-channels", params={"project_id": m.project(p)}
    ),
    "createNotificationChannel": lambda m, r, p: Call(
        "POST", f"{API}/notification-channels", _channel_body(m.project(p))
    ),
    "getNotificationChannel": lambda m, r, p: Call(
        "GET", f"{API}/notification-channels/{_channel_id(m, m.project(p))}"
    ),
    "updateNotificationChannel": lambda m, r, p: Call(
        "PATCH", f"{API}/notification-channels/{_channel_id(m, m.project(p))}", {"description": f"by {r}"}
    ),
    "deleteNotificationChannel": _delete_channel,
    "testNotificationChannel": lambda m, r, p: Call(
        "POST", f"{API}/notification-channels/{_channel_id(m, m.project(p))}/test"
    ),
    "listNotificationDeliveries": lambda m, r, p: Call(
        "GET", f"{API}/notification-channels/{_channel_id(m, m.project(p))}/deliveries"
    ),
    # cluster health (observability)
    "getClusterHealth": lambda m, r, p: Call("GET", f"{API}/clusters/{_health_cluster(m, m.project(p))}/health"),
    "listClusterHealth": lambda m, r, p: Call("GET", f"{API}/cluster-health", params={"project_id": m.project(p)}),
    # Kubernetes events (observability): of the cluster the RBAC world seeds, known as its events announce it
    "listClusterEvents": lambda m, r, p: Call(
        "GET", f"{API}/cluster-events", params={"cluster_id": _health_cluster(m, m.project(p)), "type": "Warning"}
    ),
    # the cluster's Prometheus and Grafana (observability): the seeded cluster is not running, nothing is sent to it
    "getClusterPrometheus": lambda m, r, p: Call(
        "GET",
        f"{API}/clusters/{_health_cluster(m, m.project(p))}/monitoring/prometheus/api/v1/query",
        params={"query": "up"},
    ),
    "queryClusterPrometheus": lambda m, r, p: Call(
        "POST",
        f"{API}/clusters/{_health_cluster(m, m.project(p))}/monitoring/prometheus/api/v1/query",
        content="query=up",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    "getClusterGrafana": lambda m, r, p: Call(
        "GET", f"{API}/clusters/{_health_cluster(m, m.project(p))}/monitoring/grafana/"
    ),
    "queryClusterGrafana": lambda m, r, p: Call(
        "POST", f"{API}/clusters/{_health_cluster(m, m.project(p))}/monitoring/grafana/api/ds/query", {"queries": []}
    ),
    "getClusterMonitoringSummary": lambda m, r, p: Call(
        "GET", f"{API}/clusters/{_health_cluster(m, m.project(p))}/monitoring/summary"
    ),
    # alerts (observability): an alert seeded on the seeded cluster; routes to the project's channel; silences
    "listAlerts": lambda m, r, p: Call("GET", f"{API}/alerts", params={"project_id": m.project(p)}),
    "getAlert": lambda m, r, p: Call("GET", f"{API}/alerts/{_alert_id(m, m.project(p))}"),
    "listAlertRules": lambda m, r, p: Call("GET", f"{API}/alert-rules"),
    "listAlertRoutes": lambda m, r, p: Call("GET", f"{API}/alert-routes", params={"project_id": m.project(p)}),
    "createAlertRoute": lambda m, r, p: Call("POST", f"{API}/alert-routes", _alert_route_body(m, m.project(p))),
    "getAlertRoute": lambda m, r, p: Call("GET", f"{API}/alert-routes/{_alert_route_id(m, m.project(p))}"),
    "updateAlertRoute": lambda m, r, p: Call(
        "PATCH", f"{API}/alert-routes/{_alert_route_id(m, m.project(p))}", {"min_severity": "warning"}
    ),
    "deleteAlertRoute": _delete_alert_route,
    "listSilences": lambda m, r, p: Call("GET", f"{API}/silences", params={"project_id": m.project(p)}),
    "createSilence": lambda m, r, p: Call("POST", f"{API}/silences", _silence_body(m.project(p))),
    "deleteSilence": lambda m, r, p: Call(
        "DELETE", f"{API}/silences/{m.made('silences', _silence_body(m.project(p)))['id']}"
    ),
}
# An authorised caller's expected answer where it is not a 2xx (the request is deliberately harmless).
AUTHORISED_STATUS = {
    "getClusterPrometheus": {409},  # the seeded cluster is not running
    "queryClusterPrometheus": {409},
    "getClusterGrafana": {409},
    "queryClusterGrafana": {409},
    "getClusterMonitoringSummary": {409},
    "changeMyPassword": {400},
    "registerHost": {422},  # nothing answers at the address: refused, nothing stored
    "createCluster": {422},  # the host does not exist: refused naming nodes[0].host_id
    "downloadKubeconfig": {409},  # no kubeconfig before a deploy succeeds
    "addWorkers": {409, 422},  # the seeded cluster is not running (409), or the host does not exist (422)
    "removeWorker": {404},  # no such node: refused naming `node`
    "rebuildWorker": {404},  # no such node
    "checkClusterCertificates": {409},  # the seeded cluster is not running (or busy)
    "startComplianceCheck": {409},
    "getComplianceRun": {404},  # no such run
    "downloadComplianceJunit": {404},
    "uploadSonobuoyResults": {422},  # not a tarball: refused naming `file`, nothing stored
    "renewClusterCertificates": {409},
    "importOfflinePackage": {422},  # the source does not exist: refused naming `source`, nothing imported
    "addMasters": {409, 422},  # the seeded cluster is not running (409), or the host does not exist (422)
    "removeMaster": {404},  # no such node: refused naming `node`
    "upgradeCluster": {409},  # the seeded cluster is not running
    "putClusterMonitoring": {409},  # the seeded cluster is not running
    "deleteClusterMonitoring": {409},
    "createClusterBackup": {409},  # the seeded cluster is not running: no etcd to back up
    "getClusterBackup": {404},  # no such backup
    "deleteClusterBackup": {404},
    "createClusterRestore": {422},  # no such backup, and the name not confirmed: refused, nothing stored
    "getClusterBackupStrategy": {200, 404},  # 404 while no strategy is set (before the PUT, or after the DELETE)
    "deleteClusterBackupStrategy": {204, 404},
    # A workspace's operation may still run (409), or have failed already (Terraform has no provider here).
    "scaleWorkspace": {202, 409},
    "retryWorkspace": {202, 409},
    "deleteWorkspace": {202, 409},
}


def expected(permission: str, role: str, project: str | None, op: str) -> set[int] | str:
    """The statuses allowed for this caller: a set, or "ok" for the operation's success."""
    if permission == "public":
        return "ok"
    if role == "anonymous":
        return {401}
    if permission == "authenticated":
        return "ok"
    if permission == "admin":
        return "ok" if role == "admin" else {403}
    if role == "admin":
        return "ok"
    if role == "outsider" or project == "B":
        return {403, 404}
    if permission == "project:read":
        return "ok"
    assert permission == "project:write", permission
    return "ok" if role == "pm" else {403}


def operations(doc: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(operationId, METHOD, path template, permission) of every operation."""
    out = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                out.append((op["operationId"], method.upper(), path, op.get("x-ko-permission", "<missing>")))
    return out


@pytest.fixture(scope="module")
def openapi(stack: Stack) -> dict[str, Any]:
    r = httpx.get(stack.url + f"{API}/openapi.json", timeout=30)
    assert r.status_code == 200
    doc: dict[str, Any] = r.json()
    assert "x-ko-unavailable-services" not in doc["info"], doc["info"]
    return doc


def test_every_operation_declares_who_may_call_it(openapi: dict[str, Any]) -> None:
    ops = operations(openapi)
    assert len(ops) >= 25
    undeclared = [(op, method, path, perm) for op, method, path, perm in ops if perm not in PERMISSIONS]
    assert not undeclared, f"operations without a valid x-ko-permission: {undeclared}"
    ids = [op for op, *_ in ops]
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def test_every_operation_has_a_builder(openapi: dict[str, Any]) -> None:
    ids = {op for op, *_ in operations(openapi)}
    missing = sorted(ids - set(BUILDERS) - STREAMING)
    assert not missing, f"add a builder to tests/system/test_rbac.py for: {missing}"
    stale = sorted(set(BUILDERS) - ids)
    assert not stale, f"builders for operations that no longer exist: {stale}"


def test_the_rbac_matrix(stack: Stack, world: World, openapi: dict[str, Any]) -> None:
    matrix = Matrix(world)
    problems: list[str] = []
    made: list[tuple[str, str, Call, str, int]] = []  # request id, role, call, username, status
    usernames = {role: (world.people[role].username if role != "anonymous" else "") for role in ROLES}

    for op, method, template, permission in operations(openapi):
        if op in STREAMING or op not in BUILDERS:
            continue
        # `{path}` is a path parameter of several segments (the cluster's Prometheus and Grafana), maybe empty.
        pattern = re.compile(
            "^" + re.sub(r"\{[^/]+\}", "[^/]+", template.replace("{path}", "\0")).replace("\0", ".*") + "$"
        )
        projects: list[str | None] = ["A", "B"] if permission.startswith("project:") else [None]
        for project in projects:
            for role in ROLES:
                call = BUILDERS[op](matrix, role, project)
                assert (call.method, bool(pattern.match(call.path))) == (method, True), (op, call)
                rid = "rbac-" + uuid.uuid4().hex
                r = matrix.client(role).request(
                    call.method,
                    call.path,
                    json=call.json,
                    content=call.content,
                    params=call.params,
                    headers={"X-Request-ID": rid, **call.headers},
                )
                where = f"{op} ({permission}) as {role}" + (f" on project {project}" if project else "")
                want = expected(permission, role, project, op)
                if want == "ok":
                    ok = AUTHORISED_STATUS.get(op) or set(range(200, 300))
                    if r.status_code not in ok:
                        problems.append(f"{where}: {r.status_code}, expected success: {r.text[:200]}")
                elif r.status_code not in want:
                    problems.append(f"{where}: {r.status_code}, expected {sorted(want)}: {r.text[:200]}")
                if r.status_code >= 500:
                    problems.append(f"{where}: server error {r.status_code}")
                if call.after is not None:
                    try:
                        call.after(r.status_code)
                    except AssertionError as exc:
                        problems.append(f"{where}: {exc}")
                if call.method in MUTATING:
                    made.append((rid, role, call, call.audit_username or usernames[role], r.status_code))

    assert not problems, "\n".join(problems)
    _check_audit(world, made)


def _check_audit(world: World, made: list[tuple[str, str, Call, str, int]]) -> None:
    """Every mutating call of the matrix is in the audit log: who, what, status and result."""
    wanted = {rid for rid, *_ in made}
    entries: dict[str, dict[str, Any]] = {}
    offset = 0
    while wanted - set(entries):
        page = world.admin.client.get(f"{API}/audit", params={"limit": 500, "offset": offset}).json()
        for entry in page["items"]:
            entries.setdefault(entry["request_id"], entry)
        offset += len(page["items"])
        if offset >= page["total"] or not page["items"]:
            break
    problems = []
    for rid, role, call, username, status in made:
        entry = entries.get(rid)
        if entry is None:
            problems.append(f"{call.method} {call.path} as {role}: not in the audit log")
            continue
        got = (entry["method"], entry["path"], entry["username"], entry["status_code"], entry["result"])
        want = (call.method, call.path, username, status, "success" if status < 400 else "failure")
        if got != want:
            problems.append(f"{call.method} {call.path} as {role}: audit {got}, expected {want}")
    assert not problems, "\n".join(problems)


def test_only_admins_read_the_audit_log(stack: Stack, world: World) -> None:
    for role in ("pm", "ro", "outsider"):
        r = world.people[role].client.get(f"{API}/audit")
        assert r.status_code == 403, (role, r.text)
    assert world.anonymous().get(f"{API}/audit").status_code == 401
    r = world.admin.client.get(f"{API}/audit", params={"result": "failure", "limit": 10})
    assert r.status_code == 200 and all(e["result"] == "failure" for e in r.json()["items"])


def test_the_live_stream_is_authorised_on_subscription(stack: Stack, world: World) -> None:
    tokens = {role: (world.people[role].token if role != "anonymous" else None) for role in ROLES}

    async def statuses() -> dict[tuple[str, str], int]:
        out = {}
        for project, project_id in (("A", world.a), ("B", world.b)):
            for role in ROLES:
                out[(role, project)] = await sse_status(stack, f"{API}/live/projects/{project_id}", tokens[role])
        return out

    got = asyncio.run(statuses())
    want = {
        ("admin", "A"): 200,
        ("pm", "A"): 200,
        ("ro", "A"): 200,
        ("outsider", "A"): 404,
        ("anonymous", "A"): 401,
        ("admin", "B"): 200,
        ("pm", "B"): 404,
        ("ro", "B"): 404,
        ("outsider", "B"): 404,
        ("anonymous", "B"): 401,
    }
    assert got == want


def test_a_project_that_owns_credentials_cannot_be_deleted(world: World) -> None:
    project_id = world.new_project("owns")
    cred = world.new_credential(project_id, "kept")
    r = world.admin.client.delete(f"{API}/projects/{project_id}")
    assert r.status_code == 409, r.text
    assert "credentials" in r.json()["detail"]
    assert world.admin.client.get(f"{API}/projects/{project_id}").status_code == 200
    assert world.admin.client.delete(f"{API}/credentials/{cred['id']}").status_code == 204
    assert world.admin.client.delete(f"{API}/projects/{project_id}").status_code == 204
