"""The real control plane fixture (tests/support/kube_control_plane.py): the Python ``kubernetes``
client, kubectl and helm against a real kube-apiserver whose controllers run; Secrets encrypted in
etcd; and a control plane that leaves no process behind. Skipped (with one loud line at the end of
the run) when the Kubernetes binaries have not been built on this machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from kubernetes import client, config

from tests.support import kube_control_plane as kcp
from tests.support.kube_control_plane import KubeControlPlane

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def api(kube_control_plane: KubeControlPlane) -> Iterator[client.ApiClient]:
    api_client = config.new_client_from_config(config_file=str(kube_control_plane.kubeconfig))  # type: ignore[no-untyped-call]
    with api_client:
        yield api_client


@pytest.fixture
def namespace(api: client.ApiClient) -> Iterator[str]:
    """A namespace of this test's own in the shared control plane, deleted afterwards."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    client.CoreV1Api(api).create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    client.CoreV1Api(api).delete_namespace(name)


def eventually(probe: Callable[[], T | None], what: str, timeout: float = 60.0) -> T:
    """The first truthy answer of ``probe``; fails naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        answer = probe()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.2)


def test_deployment_becomes_a_replicaset_and_pending_pods_then_is_collected(
    api: client.ApiClient, namespace: str
) -> None:
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    # The service-account controller and the root CA publisher fill every new namespace.
    eventually(lambda: core.list_namespaced_service_account(namespace).items, "the default ServiceAccount")
    eventually(lambda: core.list_namespaced_config_map(namespace).items, "the kube-root-ca.crt ConfigMap")

    labels = {"app": "web"}
    container = client.V1Container(name="web", image="registry.k8s.io/pause:3.10")
    apps.create_namespaced_deployment(
        namespace,
        client.V1Deployment(
            metadata=client.V1ObjectMeta(name="web"),
            spec=client.V1DeploymentSpec(
                replicas=2,
                selector=client.V1LabelSelector(match_labels=labels),
                template=client.V1PodTemplateSpec(
                    metadata=client.V1ObjectMeta(labels=labels), spec=client.V1PodSpec(containers=[container])
                ),
            ),
        ),
    )
    replicaset: Any
    [replicaset] = eventually(lambda: apps.list_namespaced_replica_set(namespace).items, "the ReplicaSet")
    assert [(o.kind, o.name) for o in replicaset.metadata.owner_references] == [("Deployment", "web")]

    def pods() -> list[Any] | None:
        found = core.list_namespaced_pod(namespace, label_selector="app=web").items
        return found if len(found) == 2 else None

    for pod in eventually(pods, "two Pods of the ReplicaSet"):
        assert pod.metadata.owner_references[0].name == replicaset.metadata.name
        assert pod.status.phase == "Pending" and pod.spec.node_name is None  # no scheduler, no node

    # The garbage collector follows the owner references down when the Deployment goes.
    apps.delete_namespaced_deployment("web", namespace, propagation_policy="Background")
    eventually(lambda: not core.list_namespaced_pod(namespace).items or None, "the Pods collected")
    assert apps.list_namespaced_replica_set(namespace).items == []


def test_service_account_token_authenticates(
    kube_control_plane: KubeControlPlane, api: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api)
    eventually(lambda: core.list_namespaced_service_account(namespace).items, "the default ServiceAccount")
    request: Any = core.create_namespaced_service_account_token(
        "default", namespace, client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[]))
    )
    token = request.status.token
    configuration = client.Configuration()
    configuration.host = kube_control_plane.server
    configuration.ssl_ca_cert = str(kube_control_plane.dir / "ca.crt")
    configuration.api_key = {"authorization": f"Bearer {token}"}
    with client.ApiClient(configuration) as as_sa:
        review: Any = client.AuthenticationV1Api(as_sa).create_self_subject_review(client.V1SelfSubjectReview())
    assert review.status.user_info.username == f"system:serviceaccount:{namespace}:default"


def test_secrets_are_encrypted_in_etcd(
    kube_control_plane: KubeControlPlane, api: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api)
    core.create_namespaced_secret(
        namespace, client.V1Secret(metadata=client.V1ObjectMeta(name="db"), string_data={"password": "s3cret-value"})
    )
    stored = kube_control_plane.etcd_get(f"/registry/secrets/{namespace}/db")
    assert stored.startswith(kcp.ENCRYPTION_PREFIX), stored[:40]
    assert b"s3cret-value" not in stored
    assert core.read_namespaced_secret("db", namespace).data == {"password": "czNjcmV0LXZhbHVl"}


CHART = {
    "Chart.yaml": "apiVersion: v2\nname: tiny\nversion: 0.1.0\n",
    "values.yaml": "greeting: hello\n",
    "templates/configmap.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-greeting\n"
        "data:\n  greeting: {{ .Values.greeting | quote }}\n"
    ),
}


def test_kubectl_and_helm_work_against_it(kube_control_plane: KubeControlPlane, namespace: str, tmp_path: Path) -> None:
    version = kube_control_plane.json("version")
    assert version["serverVersion"]["gitVersion"] == f"v{kube_control_plane.binaries.version}"
    for name, text in CHART.items():
        (tmp_path / "tiny" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "tiny" / name).write_text(text)

    helm = kube_control_plane.helm
    helm("install", "demo", str(tmp_path / "tiny"), "--namespace", namespace, "--set", "greeting=hi", home=tmp_path)
    assert "STATUS: deployed" in helm("status", "demo", "--namespace", namespace, home=tmp_path).stdout
    configmap = kube_control_plane.json("get", "configmap", "demo-greeting", "--namespace", namespace)
    assert configmap["data"] == {"greeting": "hi"}
    assert configmap["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
    helm("uninstall", "demo", "--namespace", namespace, home=tmp_path)
    gone = kube_control_plane.kubectl("get", "configmap", "demo-greeting", "--namespace", namespace, check=False)
    assert gone.returncode != 0 and "NotFound" in gone.stderr


@pytest.mark.kube
def test_stop_leaves_no_process_and_no_directory() -> None:
    """A control plane of its own (the shared one stays up), stopped the way main() stops it (Ctrl-C)."""
    try:
        kcp.find_binaries()
    except kcp.Unavailable as exc:
        pytest.skip(f"{kcp.SKIP_PREFIX}: {exc}")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.kube_control_plane"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("ready in "), line + proc.stdout.read()
    directory = Path(line.split("KUBECONFIG=")[1].split()[0]).parent
    pids = [int(p) for p in line.split("pids=")[1].split()[0].split(",")]
    assert len(pids) == 3 and all(Path(f"/proc/{p}").exists() for p in pids)

    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0, proc.stdout.read()
    assert [p for p in pids if _alive(p)] == []
    assert not directory.exists()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
