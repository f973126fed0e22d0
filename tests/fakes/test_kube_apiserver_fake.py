"""The fake kube-apiserver against a real etcd (Debian's etcd-server 3.4, TLS) with real kubectl and helm.

No lab: etcd is unpacked from the lab's cached .deb (skipped with the reason when the .debs
are not available here), two fake apiservers share it on loopback ports.
"""

from __future__ import annotations

import base64
import concurrent.futures
import contextlib
import importlib.machinery
import importlib.util
import json
import os
import socket
import ssl
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.lab.lab import Lab
from tests.support import offline_package
from tests.support.helm import helm_binary, kubectl_binary

FAKE = Path(__file__).resolve().parent / "kube-apiserver-fake"
ETCD_CACHE = offline_package.CACHE.parent / "etcd-server-unpacked"
PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable  # as on the lab hosts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _etcd_binary() -> Path:
    try:
        debs = offline_package.deb_directory()
    except offline_package.PackageUnavailable as exc:
        pytest.skip(f"no etcd here: {exc}")
    found = sorted(debs.glob("etcd-server_*.deb"))
    if not found:
        pytest.skip(f"no etcd-server .deb in {debs}")
    target = ETCD_CACHE / found[-1].stem
    binary = target / "usr" / "bin" / "etcd"
    if not binary.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(target.name + f".{os.getpid()}")
        subprocess.run(["dpkg-deb", "-x", str(found[-1]), str(staged)], check=True, timeout=120)
        with contextlib.suppress(OSError):  # another run unpacked it first
            staged.rename(target)
    return binary


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _ca(d: Path, name: str) -> None:
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.crt", "-days", "1", "-subj", f"/CN={name}", cwd=d,
    )  # fmt: skip


def _leaf(d: Path, ca: str, name: str, subject: str, server: bool) -> None:
    ext = d / f"{name}.ext"
    usage = "serverAuth,clientAuth" if server else "clientAuth"
    ext.write_text(f"subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage={usage}\nkeyUsage=digitalSignature\n")
    _openssl(
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subject, cwd=d,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key", "-CAcreateserial",
        "-out", f"{name}.crt", "-days", "1", "-extfile", ext.name, cwd=d,
    )  # fmt: skip


@dataclass
class Cluster:
    dir: Path
    servers: list[str]
    records: Path
    etcd_url: str
    kubeconfigs: list[Path]
    procs: list[subprocess.Popen[bytes]]

    def kubectl(
        self, *args: str, server: int = 0, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(kubectl_binary()), "--kubeconfig", str(self.kubeconfigs[server]), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {result.stderr}{self.logs()}")
        return result

    def json(self, *args: str, server: int = 0) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.kubectl(*args, "-o", "json", server=server).stdout)
        return loaded

    def helm(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = dict(
            os.environ,
            HELM_CACHE_HOME=str(self.dir / "helm-cache"),
            HELM_CONFIG_HOME=str(self.dir / "helm-config"),
            HELM_DATA_HOME=str(self.dir / "helm-data"),
        )
        result = subprocess.run(
            [str(helm_binary()), "--kubeconfig", str(self.kubeconfigs[0]), *args],
            capture_output=True,
            text=True,
            timeout=90,
            env=env,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"helm {' '.join(args)} failed: {result.stderr}{self.logs()}")
        return result

    def calls(self) -> list[dict[str, Any]]:
        path = self.records / "kube-apiserver.calls.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def etcd_value(self, key: str) -> bytes:
        body = json.dumps({"key": base64.b64encode(key.encode()).decode()}).encode()
        request = urllib.request.Request(  # noqa: S310 (https)
            f"{self.etcd_url}/v3/kv/range", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, context=self.tls(), timeout=10) as response:  # noqa: S310 (https)
            kvs = json.loads(response.read()).get("kvs") or []
        return base64.b64decode(kvs[0]["value"]) if kvs else b""

    def tls(self, client: str | None = "etcd-client", ca: str = "ca") -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.dir / "ca.crt"))
        if client:
            ctx.load_cert_chain(str(self.dir / f"{client}.crt"), str(self.dir / f"{client}.key"))
        return ctx

    def logs(self) -> str:
        return "".join(f"\n--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.dir.glob("*.log")))


def _wait_ready(url: str, ctx: ssl.SSLContext, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{url} exited with {proc.returncode}: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, context=ctx, timeout=2) as response:  # noqa: S310 (https)
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            time.sleep(0.1)
    raise AssertionError(f"{url} never became ready: {log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    etcd = _etcd_binary()
    kubectl_binary()
    helm_binary()
    d = tmp_path_factory.mktemp("kube-apiserver-fake")
    _ca(d, "ca")
    _ca(d, "rogue-ca")
    _leaf(d, "ca", "server", "/CN=kube-apiserver", server=True)
    _leaf(d, "ca", "etcd-client", "/CN=kube-apiserver-etcd-client", server=False)
    _leaf(d, "ca", "admin", "/O=kubeadm:cluster-admins/CN=kubernetes-admin", server=False)
    _leaf(d, "rogue-ca", "rogue", "/O=system:masters/CN=intruder", server=False)
    (d / "encryption.yaml").write_text(
        textwrap.dedent(
            f"""\
            apiVersion: apiserver.config.k8s.io/v1
            kind: EncryptionConfiguration
            resources:
              - resources:
                  - secrets
                providers:
                  - aescbc:
                      keys:
                        - name: key1
                          secret: {base64.b64encode(b"k" * 32).decode()}
                  - identity: {{}}
            """
        )
    )
    records = d / "records"
    client_port, peer_port = _free_port(), _free_port()
    etcd_url = f"https://127.0.0.1:{client_port}"
    procs: list[subprocess.Popen[bytes]] = []
    etcd_log = d / "etcd.log"
    procs.append(
        subprocess.Popen(
            [
                str(etcd), "--name", "test", "--data-dir", str(d / "etcd-data"),
                "--listen-client-urls", etcd_url, "--advertise-client-urls", etcd_url,
                "--listen-peer-urls", f"http://127.0.0.1:{peer_port}",
                "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer_port}",
                "--initial-cluster", f"test=http://127.0.0.1:{peer_port}",
                "--cert-file", str(d / "server.crt"), "--key-file", str(d / "server.key"),
                "--trusted-ca-file", str(d / "ca.crt"), "--client-cert-auth", "--unsafe-no-fsync",
            ],
            stdout=etcd_log.open("wb"),
            stderr=subprocess.STDOUT,
        )
    )  # fmt: skip
    cl = Cluster(d, [], records, etcd_url, [], procs)
    try:
        _wait_ready(f"{etcd_url}/health", cl.tls(), procs[0], etcd_log)
        for i in range(2):
            port = _free_port()
            log = d / f"apiserver-{i}.log"
            args = [
                PYTHON, str(FAKE),
                "--advertise-address=127.0.0.1", "--bind-address=127.0.0.1", f"--secure-port={port}",
                f"--tls-cert-file={d / 'server.crt'}", f"--tls-private-key-file={d / 'server.key'}",
                f"--client-ca-file={d / 'ca.crt'}", f"--etcd-servers={etcd_url}",
                f"--etcd-cafile={d / 'ca.crt'}", f"--etcd-certfile={d / 'etcd-client.crt'}",
                f"--etcd-keyfile={d / 'etcd-client.key'}",
                "--service-cluster-ip-range=10.96.0.0/12", f"--encryption-provider-config={d / 'encryption.yaml'}",
                "--authorization-mode=Node,RBAC", "--enable-admission-plugins", "NodeRestriction",
            ]  # fmt: skip
            procs.append(
                subprocess.Popen(
                    args,
                    stdout=log.open("wb"),
                    stderr=subprocess.STDOUT,
                    env=dict(os.environ, KO_FAKE_RECORD_DIR=str(records)),
                )
            )
            server = f"https://127.0.0.1:{port}"
            _wait_ready(f"{server}/readyz", cl.tls(None), procs[-1], log)
            kubeconfig = d / f"admin-{i}.conf"
            kubeconfig.write_text(
                json.dumps(
                    {
                        "apiVersion": "v1",
                        "kind": "Config",
                        "clusters": [
                            {"name": "fake", "cluster": {"server": server, "certificate-authority": str(d / "ca.crt")}}
                        ],
                        "users": [
                            {
                                "name": "admin",
                                "user": {
                                    "client-certificate": str(d / "admin.crt"),
                                    "client-key": str(d / "admin.key"),
                                },
                            }
                        ],
                        "contexts": [{"name": "admin@fake", "context": {"cluster": "fake", "user": "admin"}}],
                        "current-context": "admin@fake",
                    }
                )
            )
            cl.servers.append(server)
            cl.kubeconfigs.append(kubeconfig)
        yield cl
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


MANIFEST = """\
apiVersion: v1
kind: Namespace
metadata:
  name: demo
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: demo
  labels: {app: web, tier: front}
data:
  color: blue
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: demo
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.k8s.io/pause:3.10
          ports: [{containerPort: 80}]
          env: [{name: A, value: "1"}, {name: B, value: "2"}]
        - name: side
          image: registry.k8s.io/pause:3.10
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: demo
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      tolerations: [{operator: Exists}]
      containers: [{name: agent, image: registry.k8s.io/pause:3.10}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: demo
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 80}]
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: demo
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: demo-reader
rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: demo-reader
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: demo-reader}
subjects: [{kind: ServiceAccount, name: web, namespace: demo}]
---
apiVersion: v1
kind: Secret
metadata:
  name: token
  namespace: demo
data:
  password: czNjcmV0
"""


def test_kubectl_apply_reapply_and_read_through_the_other_apiserver(cluster: Cluster) -> None:
    out = cluster.kubectl("apply", "-f", "-", stdin=MANIFEST).stdout
    assert "deployment.apps/web created" in out and "namespace/demo created" in out
    again = cluster.kubectl("apply", "-f", "-", stdin=MANIFEST).stdout
    assert "unchanged" in again and "configured" not in again and "created" not in again, again
    # A change: one env var dropped, the sidecar dropped, the image changed (strategic merge).
    changed = MANIFEST.replace('{name: B, value: "2"}', '{name: C, value: "3"}').replace(
        "        - name: side\n          image: registry.k8s.io/pause:3.10\n", ""
    )
    assert "deployment.apps/web configured" in cluster.kubectl("apply", "-f", "-", stdin=changed).stdout
    deploy = cluster.json("get", "deployment", "web", "-n", "demo", server=1)
    [container] = deploy["spec"]["template"]["spec"]["containers"]
    assert container["env"] == [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}]
    assert deploy["metadata"]["generation"] == 2
    assert int(deploy["metadata"]["resourceVersion"]) > 0

    names = cluster.kubectl(
        "get", "configmaps", "-n", "demo", "-l", "app=web,tier in (front)", "-o", "name", server=1
    ).stdout
    assert names.split() == ["configmap/settings"]
    assert cluster.kubectl("get", "cm", "-n", "demo", "-l", "tier!=front", "-o", "name", server=1).stdout.strip() == ""
    by_name = cluster.json("get", "deploy,ds", "-A", "--field-selector", "metadata.name=agent", server=1)
    assert [i["metadata"]["name"] for i in by_name["items"]] == ["agent"]
    table = cluster.kubectl("get", "svc", "-n", "demo", server=1).stdout
    assert "web" in table and "NAME" in table
    svc = cluster.json("get", "svc", "web", "-n", "demo")
    assert svc["spec"]["clusterIP"].startswith("10.")
    yaml_out = cluster.kubectl("get", "ns", "demo", "-o", "yaml").stdout
    assert "phase: Active" in yaml_out

    # Secrets are stored with the configured provider's marker (not really encrypted).
    assert cluster.etcd_value("/registry/secrets/demo/token").startswith(b"k8s:enc:aescbc:v1:key1:")
    secret = cluster.json("get", "secret", "token", "-n", "demo", server=1)
    assert base64.b64decode(secret["data"]["password"]) == b"s3cret"

    calls = cluster.calls()
    created = {
        (c["kind"], c.get("namespace"), c["name"]) for c in calls if c.get("verb") == "post" and c.get("code") == 201
    }
    assert ("Deployment", "demo", "web") in created and ("ClusterRoleBinding", None, "demo-reader") in created
    assert all(c["user"] == "kubernetes-admin" for c in calls if c.get("verb"))
    start = next(c for c in calls if c.get("event") == "start")
    assert "--authorization-mode=Node,RBAC" in start["ignored"]


def test_server_side_apply_create_namespace_and_missing_namespace(cluster: Cluster) -> None:
    cluster.kubectl("create", "namespace", "ssa")
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "ssa", "namespace": "ssa", "labels": {"a": "1"}},
        "data": {"x": "1"},
    }
    assert "serverside-applied" in cluster.kubectl("apply", "--server-side", "-f", "-", stdin=json.dumps(doc)).stdout
    doc["data"]["y"] = "2"
    cluster.kubectl("apply", "--server-side", "-f", "-", stdin=json.dumps(doc))
    got = cluster.json("get", "cm", "ssa", "-n", "ssa", "--show-managed-fields", server=1)
    assert got["data"] == {"x": "1", "y": "2"}
    assert got["metadata"]["managedFields"][0]["manager"] == "kubectl"
    # Fields this manager applied before and no longer applies go; another's label stays.
    cluster.kubectl("label", "cm", "ssa", "-n", "ssa", "other=yes")
    doc["data"].pop("x")
    doc["metadata"].pop("labels")
    cluster.kubectl("apply", "--server-side", "-f", "-", stdin=json.dumps(doc))
    got = cluster.json("get", "cm", "ssa", "-n", "ssa", server=1)
    assert got["data"] == {"y": "2"} and got["metadata"]["labels"] == {"other": "yes"}
    assert cluster.kubectl("get", "cm", "-n", "nowhere", "-o", "name").stdout == ""  # an empty list, as the real one
    missing = cluster.kubectl("create", "configmap", "x", "-n", "nowhere", check=False)
    assert missing.returncode != 0 and 'namespaces "nowhere" not found' in missing.stderr
    exists = cluster.kubectl("create", "namespace", "ssa", check=False)
    assert exists.returncode != 0 and "AlreadyExists" in exists.stderr
    assert "kube-node-lease" in cluster.kubectl("get", "ns", "-o", "name").stdout
    assert cluster.kubectl("get", "--raw", "/readyz").stdout == "ok"
    # kubectl's typed create subcommands send protobuf: the few kinds the fake reads that way.
    cluster.kubectl("create", "secret", "generic", "pw", "-n", "ssa", "--from-literal=password=x")
    cluster.kubectl("create", "configmap", "cm2", "-n", "ssa", "--from-literal=a=b", server=1)
    assert cluster.kubectl("get", "cm", "cm2", "-n", "ssa", "-o", "jsonpath={.data.a}").stdout == "b"
    assert cluster.kubectl("auth", "can-i", "create", "pods").stdout.strip() == "yes"


def test_node_label_and_taint(cluster: Cluster) -> None:
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "node1", "labels": {"kubernetes.io/hostname": "node1"}},
    }
    cluster.kubectl("create", "-f", "-", stdin=json.dumps(node))
    cluster.kubectl("label", "node", "node1", "node-role.kubernetes.io/control-plane=")
    cluster.kubectl("taint", "node", "node1", "node-role.kubernetes.io/control-plane:NoSchedule")
    got = cluster.json("get", "node", "node1", server=1)
    assert got["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] == ""
    assert got["spec"]["taints"] == [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    header, row = cluster.kubectl("get", "nodes").stdout.splitlines()
    assert header.split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"] and row.split()[:3] == [
        "node1",
        "Unknown",
        "control-plane",
    ]
    cluster.kubectl("taint", "node", "node1", "node-role.kubernetes.io/control-plane:NoSchedule-", server=1)
    assert not cluster.json("get", "node", "node1")["spec"].get("taints")
    assert cluster.kubectl(
        "get", "nodes", "-l", "node-role.kubernetes.io/control-plane", "-o", "name"
    ).stdout.split() == ["node/node1"]


CHART = {
    "Chart.yaml": "apiVersion: v2\nname: widgets\nversion: 0.1.0\nappVersion: '1.0'\n",
    "crds/widgets.yaml": """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
    - name: v1
      served: true
      storage: true
      subresources: {status: {}}
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
""",
    "templates/widget.yaml": """\
apiVersion: example.com/v1
kind: Widget
metadata:
  name: {{ .Release.Name }}
spec:
  size: {{ .Values.size }}
""",
    "templates/deploy.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-controller
spec:
  selector: {matchLabels: {app: widgets}}
  template:
    metadata: {labels: {app: widgets}}
    spec:
      containers: [{name: c, image: "registry.k8s.io/pause:3.10"}]
""",
    "values.yaml": "size: 1\n",
}


def test_helm_install_with_a_crd_upgrade_list_uninstall(cluster: Cluster) -> None:
    chart = cluster.dir / "widgets"
    for rel, text in CHART.items():
        (chart / rel).parent.mkdir(parents=True, exist_ok=True)
        (chart / rel).write_text(text)
    # upgrade --install first lists the release Secrets of a namespace that does not exist yet
    cluster.helm("upgrade", "--install", "w1", str(chart), "-n", "widgets", "--create-namespace")
    cluster.kubectl("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=10s", server=1)
    widget = cluster.json("get", "widgets.example.com", "w1", "-n", "widgets", server=1)
    assert widget["spec"] == {"size": 1}
    assert "wd" in cluster.kubectl("api-resources", "--api-group=example.com", server=1).stdout
    cluster.helm("upgrade", "--install", "w1", str(chart), "-n", "widgets", "--set", "size=3")
    assert cluster.json("get", "wd", "w1", "-n", "widgets", server=1)["spec"] == {"size": 3}
    releases = json.loads(cluster.helm("list", "-n", "widgets", "-o", "json").stdout)
    assert [(r["name"], r["revision"], r["status"]) for r in releases] == [("w1", "2", "deployed")]
    secrets = cluster.kubectl("get", "secrets", "-n", "widgets", "-l", "owner=helm", "-o", "name").stdout.split()
    assert secrets == ["secret/sh.helm.release.v1.w1.v1", "secret/sh.helm.release.v1.w1.v2"]
    cluster.helm("uninstall", "w1", "-n", "widgets")
    assert cluster.kubectl("get", "wd", "-n", "widgets", "-o", "name").stdout.strip() == ""
    assert cluster.kubectl("get", "deploy", "-n", "widgets", "-o", "name").stdout.strip() == ""


def test_delete_and_watch(cluster: Cluster) -> None:
    cluster.kubectl("create", "namespace", "watched")
    cluster.kubectl("create", "configmap", "before", "-n", "watched")
    watch = subprocess.Popen(
        [
            str(kubectl_binary()),
            "--kubeconfig",
            str(cluster.kubeconfigs[1]),
            "get",
            "configmaps",
            "-n",
            "watched",
            "--watch",
            "-o",
            "name",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # no wait for the watch: what is created after its list comes from its resourceVersion on
        cluster.kubectl("create", "configmap", "after", "-n", "watched")
        assert watch.stdout is not None
        seen = [watch.stdout.readline().strip(), watch.stdout.readline().strip()]
        assert seen == ["configmap/before", "configmap/after"]
    finally:
        watch.terminate()
        watch.wait(timeout=10)
    cluster.kubectl("delete", "configmap", "after", "-n", "watched")
    gone = cluster.kubectl("get", "configmap", "after", "-n", "watched", check=False, server=1)
    assert gone.returncode != 0 and 'configmaps "after" not found' in gone.stderr
    cluster.kubectl("delete", "namespace", "watched", server=1)
    assert cluster.kubectl("get", "cm", "before", "-n", "watched", check=False).returncode != 0
    deletes = [c for c in cluster.calls() if c.get("verb") == "delete" and c.get("code") == 200]
    assert {(c["kind"], c["name"]) for c in deletes} >= {("ConfigMap", "after"), ("Namespace", "watched")}


def _request(
    cluster: Cluster,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    client: str | None = "admin",
    ca: str = "ca",
    headers: dict[str, str] | None = None,
    server: int = 0,
) -> tuple[int, dict[str, Any]]:
    ctx = ssl.create_default_context(cafile=str(cluster.dir / "ca.crt"))
    if client:
        ctx.load_cert_chain(str(cluster.dir / f"{client}.crt"), str(cluster.dir / f"{client}.key"))
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 (https)
        cluster.servers[server] + path, data, {"Content-Type": "application/json", **(headers or {})}, method=method
    )
    try:
        with urllib.request.urlopen(request, context=ctx, timeout=10) as response:  # noqa: S310 (https)
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_authentication_and_conflicts(cluster: Cluster) -> None:
    code, body = _request(cluster, "GET", "/api/v1/namespaces", client=None)
    assert code == 401 and body["kind"] == "Status" and body["reason"] == "Unauthorized"
    assert _request(cluster, "GET", "/version", client=None)[0] == 200
    assert (
        _request(
            cluster,
            "GET",
            "/api/v1/namespaces",
            client=None,
            headers={"Authorization": "Bearer abcdef.0123456789abcdef"},
        )[0]
        == 401
    )
    # A certificate from another CA never reaches the API (refused in the TLS handshake).
    with pytest.raises((ssl.SSLError, urllib.error.URLError, ConnectionError)):
        _request(cluster, "GET", "/api/v1/namespaces", client="rogue")

    # A bootstrap token that exists as a Secret authenticates.
    token = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "bootstrap.kubernetes.io/token",
        "metadata": {"name": "bootstrap-token-abcdef", "namespace": "kube-system"},
        "stringData": {
            "token-id": "abcdef",
            "token-secret": "0123456789abcdef",
            "usage-bootstrap-authentication": "true",
        },
    }
    code, _ = _request(cluster, "POST", "/api/v1/namespaces/kube-system/secrets", token)
    assert code == 201, _
    code, review = _request(
        cluster,
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
        client=None,
        headers={"Authorization": "Bearer abcdef.0123456789abcdef"},
    )
    assert code == 201 and review["status"]["userInfo"]["username"] == "system:bootstrap:abcdef", review

    code, cm = _request(
        cluster, "POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "occ"}, "data": {"v": "1"}}
    )
    assert code == 201
    stale = cm["metadata"]["resourceVersion"]
    cm["data"]["v"] = "2"
    code, updated = _request(cluster, "PUT", "/api/v1/namespaces/default/configmaps/occ", cm)
    assert code == 200 and updated["metadata"]["resourceVersion"] != stale
    cm["data"]["v"] = "3"
    code, body = _request(cluster, "PUT", "/api/v1/namespaces/default/configmaps/occ", cm)
    assert code == 409 and body["reason"] == "Conflict"
    code, body = _request(cluster, "POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "occ"}})
    assert code == 409 and body["reason"] == "AlreadyExists"
    # Patches without a resourceVersion racing on one object (through both apiservers) all land.
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(
            pool.map(
                lambda i: _request(
                    cluster, "PATCH", "/api/v1/namespaces/default/configmaps/occ", {"data": {f"k{i}": "x"}},
                    headers={"Content-Type": "application/merge-patch+json"}, server=i % 2,
                )[0],
                range(16),
            )
        )  # fmt: skip
    assert codes == [200] * 16
    code, cm = _request(cluster, "GET", "/api/v1/namespaces/default/configmaps/occ")
    assert {f"k{i}" for i in range(16)} <= cm["data"].keys()
    code, body = _request(cluster, "GET", "/api/v1/namespaces/default/configmaps/absent")
    assert code == 404 and body["reason"] == "NotFound" and body["details"]["name"] == "absent"
    code, body = _request(cluster, "GET", "/api/v1/namespaces/nowhere/configmaps/absent")
    assert code == 404 and body["message"] == 'configmaps "absent" not found'
    code, _ = _request(
        cluster, "POST", "/api/v1/namespaces/default/configmaps?dryRun=All", {"metadata": {"name": "dry"}}
    )
    assert code == 201 and _request(cluster, "GET", "/api/v1/namespaces/default/configmaps/dry")[0] == 404


# --- on a lab host: the control-plane images import into containerd, and the fake runs from
# --- the exported kube-apiserver image with Debian's python3 against Debian's etcd.

EXTRACT = """
import json, sys, tarfile
archive, member, out = sys.argv[1:]
with tarfile.open(archive) as tar:
    def read(name):
        return tar.extractfile(name).read()
    index = json.loads(read("index.json"))
    manifest = json.loads(read("blobs/sha256/" + index["manifests"][0]["digest"].split(":")[1]))
    layer = manifest["layers"][0]["digest"].split(":")[1]
    tar.extract("blobs/sha256/" + layer, "/tmp/layer")
with tarfile.open("/tmp/layer/blobs/sha256/" + layer) as tar, open(out, "wb") as fh:
    fh.write(tar.extractfile(member).read())
"""


@pytest.mark.lab
@pytest.mark.timeout(600)
def test_control_plane_images_import_and_the_fake_runs_on_a_lab_host(lab: Lab, tmp_path: Path) -> None:
    from tests.support import control_plane

    host = lab.hosts[0]

    def run(command: str, timeout: float = 300) -> str:
        out = lab.run(host, command, timeout=timeout)
        assert out.returncode == 0, f"{command}: {out.stdout}{out.stderr}"
        return str(out.stdout)

    served = tmp_path / "served"
    overrides = control_plane.write_control_plane(served, "1.36.0", binaries=False)
    _ca(served, "ca")
    _leaf(served, "ca", "server", "/CN=kube-apiserver", server=True)
    _leaf(served, "ca", "admin", "/O=kubeadm:cluster-admins/CN=kubernetes-admin", server=False)
    for path in served.iterdir():
        path.chmod(0o644 if path.is_file() else 0o755)
    url = lab.serve(served, "cp-images")
    files = [*overrides, "ca.crt", "server.crt", "server.key", "admin.crt", "admin.key"]
    fetch = "; ".join(f"urllib.request.urlretrieve('{url}{rel}', '/root/cp/{Path(rel).name}')" for rel in files)
    run("apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q containerd etcd-server")
    run(f'mkdir -p /root/cp && python3 -c "import urllib.request; {fetch}"')
    for rel in overrides:
        run(f"ctr -n k8s.io images import /root/cp/{Path(rel).name}")
    names = run("ctr -n k8s.io images ls -q").split()
    for override in overrides.values():
        assert f"{override['name']}:{override['version']}" in names, names

    run("ctr -n k8s.io images export /root/cp/exported.tar registry.k8s.io/kube-apiserver:v1.36.0")
    (served / "extract.py").write_text(EXTRACT)
    run(f"python3 -c \"import urllib.request; urllib.request.urlretrieve('{url}extract.py', '/root/cp/extract.py')\"")
    run("python3 /root/cp/extract.py /root/cp/exported.tar usr/local/bin/kube-apiserver /root/cp/kube-apiserver")
    assert run("python3 /root/cp/kube-apiserver --version").strip() == "Kubernetes v1.36.0"
    run("systemctl is-active etcd || (systemctl start etcd && sleep 2)")
    run(
        "cd /root/cp && (KO_FAKE_RECORD_DIR=/root/cp/records setsid python3 kube-apiserver"
        " --etcd-servers=http://127.0.0.1:2379 --secure-port=6443 --bind-address=127.0.0.1"
        " --tls-cert-file=server.crt --tls-private-key-file=server.key --client-ca-file=ca.crt"
        " --allow-privileged=true > apiserver.log 2>&1 & echo $! > apiserver.pid)"
    )
    probe = (
        "import ssl, time, urllib.request, json\n"
        "ctx = ssl.create_default_context(cafile='/root/cp/ca.crt')\n"
        "ctx.load_cert_chain('/root/cp/admin.crt', '/root/cp/admin.key')\n"
        "for _ in range(100):\n"
        "    try:\n"
        "        body = urllib.request.urlopen('https://127.0.0.1:6443/api/v1/namespaces', context=ctx).read()\n"
        "        break\n"
        "    except OSError:\n"
        "        time.sleep(0.2)\n"
        "print(' '.join(sorted(i['metadata']['name'] for i in json.loads(body)['items'])))\n"
    )
    (served / "probe.py").write_text(probe)
    run(f"python3 -c \"import urllib.request; urllib.request.urlretrieve('{url}probe.py', '/root/cp/probe.py')\"")
    try:
        assert run("python3 /root/cp/probe.py").split() == ["default", "kube-node-lease", "kube-public", "kube-system"]
    finally:
        lab.run(host, "kill $(cat /root/cp/apiserver.pid)")


# --- the fake's own pieces, without processes


def _fake_module() -> Any:
    loader = importlib.machinery.SourceFileLoader("kube_apiserver_fake", str(FAKE))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_strategic_merge_patch_directives() -> None:
    fake = _fake_module()
    base = {
        "spec": {
            "containers": [
                {"name": "a", "image": "x:1", "ports": [{"containerPort": 80, "name": "http"}], "args": ["-v"]},
                {"name": "b", "image": "y:1", "env": [{"name": "K", "value": "1"}]},
            ],
            "finalizers": ["one"],
            "tolerations": [{"operator": "Exists"}],
        }
    }
    patch = {
        "spec": {
            "$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
            "containers": [
                {"name": "a", "ports": [{"containerPort": 443, "name": "https"}], "args": ["-q"]},
                {"name": "b", "$patch": "delete"},
            ],
            "finalizers": ["two"],
            "tolerations": [],
            "$deleteFromPrimitiveList/finalizers": ["one"],
        }
    }
    merged = fake.strategic_merge(base, patch)
    [a] = merged["spec"]["containers"]
    assert a["image"] == "x:1" and a["args"] == ["-q"]  # maps merged, plain lists replaced
    assert [p["containerPort"] for p in a["ports"]] == [80, 443]  # ports merged by containerPort
    assert merged["spec"]["finalizers"] == ["two"] and merged["spec"]["tolerations"] == []
    assert fake.strategic_merge({"a": {"b": 1}}, {"a": {"$patch": "replace", "c": 2}}) == {"a": {"c": 2}}
    assert fake.json_patch(
        {"a": [1]}, [{"op": "add", "path": "/a/-", "value": 2}, {"op": "replace", "path": "/a/0", "value": 0}]
    ) == {"a": [0, 2]}
    reqs = fake.parse_label_selector("app=web,tier in (a, b),!gone,env!=prod")
    assert fake.labels_match(reqs, {"app": "web", "tier": "b"}) and not fake.labels_match(
        reqs, {"app": "web", "tier": "c"}
    )


def test_encryption_configuration_is_validated(tmp_path: Path) -> None:
    fake = _fake_module()
    good = tmp_path / "good.yaml"
    good.write_text(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n"
        "- resources: [secrets, configmaps]\n  providers:\n  - secretbox:\n      keys:\n"
        f"      - name: k1\n        secret: {base64.b64encode(b'x' * 32).decode()}\n  - identity: {{}}\n"
    )
    assert fake.load_encryption(str(good)) == {"secrets": ("secretbox", "k1"), "configmaps": ("secretbox", "k1")}
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("secretbox", "rot13"))
    with pytest.raises(SystemExit, match=r"resources\[0\]\.providers\[0\]: unknown provider 'rot13'"):
        fake.load_encryption(str(bad))
    short = tmp_path / "short.yaml"
    short.write_text(
        good.read_text().replace(base64.b64encode(b"x" * 32).decode(), base64.b64encode(b"x" * 8).decode())
    )
    with pytest.raises(SystemExit, match="must decode to 32 bytes, not 8"):
        fake.load_encryption(str(short))
