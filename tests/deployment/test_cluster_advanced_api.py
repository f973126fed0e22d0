"""The cluster spec's `advanced` block through the clusters API (no lab): refusals, round trip, extra-vars.

The same world as test_clusters_api.py: the real inventory and deployment services, hosts seeded
with facts, no worker (a planned deploy stays queued, its extra-vars readable in the database).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from ko_deployment.clusters import advanced
from ko_deployment.clusters.schemas import AdvancedSpec
from ko_deployment.operations.models import Operation
from tests.deployment import test_clusters_api as base
from tests.deployment.test_clusters_api import URL, World, body, named

# The same world: SQLite, the real inventory and deployment services.
database_url = base.database_url
clusters_world = base.world

ADVANCED: dict[str, Any] = {
    "kubelet_config": {"maxPods": 200, "serializeImagePulls": False, "imageMinimumGCAge": "5m",
                       "evictionHard": {"memory.available": "200Mi"}},
    "kube_proxy_config": {"conntrack": {"maxPerCore": 0}, "configSyncPeriod": "15m"},
    "containerd_config": {"plugins": {"io.containerd.cri.v1.runtime": {"enable_unprivileged_ports": True}}},
    "control_plane_args": {"apiserver": {"audit-log-maxage": "30"}, "scheduler": {"v": "2"}},
}  # fmt: skip


def check(version: str = "1.36.0", **blocks: dict[str, Any]) -> dict[str, str]:
    return dict(advanced.check(AdvancedSpec.model_validate(blocks), version))


def test_unknown_and_managed_names_are_refused_with_their_path_and_the_fix() -> None:
    got = check(kubelet_config={"fooBar": 1, "maxPod": 3, "clusterDNS": ["10.96.0.10"]})
    assert got["advanced.kubelet_config.fooBar"].startswith("unknown KubeletConfiguration field; known fields include")
    assert "did you mean maxPods?" in got["advanced.kubelet_config.maxPod"]
    assert "network.service_cidr" in got["advanced.kubelet_config.clusterDNS"]

    got = check(kube_proxy_config={"mode": "ipvs", "clusterCIDR": "10.0.0.0/8", "fooBar": True})
    assert "network.proxy_mode" in got["advanced.kube_proxy_config.mode"]
    assert "network.pod_cidr" in got["advanced.kube_proxy_config.clusterCIDR"]
    assert "unknown KubeProxyConfiguration field" in got["advanced.kube_proxy_config.fooBar"]

    # Values are type-checked where cheap.
    wrong = {"maxPods": "200", "serializeImagePulls": "no", "syncFrequency": 60, "imageMinimumGCAge": "2 minutes",
             "evictionHard": ["memory.available<100Mi"]}  # fmt: skip
    got = check(kubelet_config=wrong)
    assert got == {
        "advanced.kubelet_config.maxPods": "must be a whole number",
        "advanced.kubelet_config.serializeImagePulls": "must be true or false",
        "advanced.kubelet_config.syncFrequency": 'must be a duration as a string, e.g. "10s" or "1m30s"',
        "advanced.kubelet_config.imageMinimumGCAge": 'must be a duration as a string, e.g. "10s" or "1m30s"',
        "advanced.kubelet_config.evictionHard": "must be a map of names to values",
    }
    # A field of a later minor is refused on an earlier one, named with the minor it needs.
    assert check(kubelet_config={"memoryReservationPolicy": "None"}) == {}
    late = check("1.35.2", kubelet_config={"memoryReservationPolicy": "None"})
    assert "from Kubernetes 1.36; this cluster is 1.35" in late["advanced.kubelet_config.memoryReservationPolicy"]

    got = check(control_plane_args={
        "apiserver": {"--audit-log-maxage": "30", "Audit_Log": "x", "etcd-servers": "https://x:2379",
                      "encryption-provider-config": "/tmp/x", "secure-port": "7443"},
        "controller_manager": {"cluster-cidr": "10.0.0.0/8"},
        "scheduler": {"kubeconfig": "/tmp/k"},
    })  # fmt: skip
    assert (
        "without leading dashes, e.g. audit-log-maxage"
        in got["advanced.control_plane_args.apiserver.--audit-log-maxage"]
    )
    assert "lower-case" in got["advanced.control_plane_args.apiserver.Audit_Log"]
    assert "etcd phase" in got["advanced.control_plane_args.apiserver.etcd-servers"]
    assert "encrypted at rest" in got["advanced.control_plane_args.apiserver.encryption-provider-config"]
    assert "load_balancer.port" in got["advanced.control_plane_args.apiserver.secure-port"]
    assert "network.pod_cidr" in got["advanced.control_plane_args.controller_manager.cluster-cidr"]
    assert "kubeconfig" in got["advanced.control_plane_args.scheduler.kubeconfig"]

    cri = "io.containerd.cri.v1.images"
    got = check(containerd_config={
        "plugins": {cri: {"pinned_images": {"sandbox": "my/pause:1"}, "registry": {"config_path": "/x"}},
                    "io.containerd.cri.v1.runtime": {"containerd": {"runtimes": {"runc": {"options": {
                        "SystemdCgroup": False, "BinaryName": "/usr/local/bin/runc"}}}}},
                    "io.containerd.grpc.v1.cri": {"sandbox_image": "my/pause:1"}},
        "bad key": 1, "debug": {"level": None}, "grpc": {"address": "/tmp/c.sock"},
    })  # fmt: skip
    base = 'advanced.containerd_config.plugins."io.containerd.cri.v1.images"'
    assert "pause image" in got[f"{base}.pinned_images.sandbox"]
    assert "runtime.registry_mirrors" in got[f"{base}.registry.config_path"]
    runc = 'advanced.containerd_config.plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options'
    # SystemdCgroup may be set, but false disagrees with the kubelet's default systemd driver.
    assert "disagree" in got[f"{runc}.SystemdCgroup"] and f"{runc}.BinaryName" not in got
    assert "pause image" in got['advanced.containerd_config.plugins."io.containerd.grpc.v1.cri".sandbox_image']
    assert "letters, digits" in got["advanced.containerd_config.bad key"]
    assert "no null" in got["advanced.containerd_config.debug.level"]
    assert "socket" in got["advanced.containerd_config.grpc.address"]

    assert advanced.check(AdvancedSpec.model_validate(ADVANCED), "1.34.1") == []


def test_bad_advanced_settings_are_refused_all_at_once(clusters_world: World) -> None:
    w = clusters_world
    plan = body(w, advanced={
        "kubelet_config": {"fooBar": 1, "clusterDomain": "x.local"},
        "kube_proxy_config": {"mode": "ipvs"},
        "containerd_config": {"plugins": {"io.containerd.cri.v1.images": {"pinned_images": {"sandbox": "p:1"}}}},
        "control_plane_args": {"apiserver": {"--v": "2", "etcd-servers": "https://x:2379"}},
    }, nodes=[{"host_id": "nope", "role": "master"}])  # fmt: skip
    r = w.call("POST", URL, json=plan)
    assert r.status_code == 422, r.text
    assert {
        "nodes[0].host_id",
        "advanced.kubelet_config.fooBar",
        "advanced.kubelet_config.clusterDomain",
        "advanced.kube_proxy_config.mode",
        'advanced.containerd_config.plugins."io.containerd.cri.v1.images".pinned_images.sandbox',
        "advanced.control_plane_args.apiserver.--v",
        "advanced.control_plane_args.apiserver.etcd-servers",
    } <= named(r), r.json()
    messages = {f["field"]: f["message"] for f in r.json()["fields"]}
    assert messages["advanced.kubelet_config.fooBar"].startswith("unknown KubeletConfiguration field; known fields")
    assert "network.dns_domain" in messages["advanced.kubelet_config.clusterDomain"]
    # Schema errors name the field too: flag values are strings, blocks are objects, no other keys.
    r = w.call("POST", URL, json=body(w, advanced={"control_plane_args": {"apiserver": {"v": 2}}, "kubelet": {}}))
    assert r.status_code == 422
    assert {"advanced.control_plane_args.apiserver.v", "advanced.kubelet"} <= named(r), r.json()
    assert w.call("GET", URL, params={"project_id": "pc1"}).json()["total"] == 0


def test_advanced_settings_are_recorded_returned_and_passed_to_the_playbooks(clusters_world: World) -> None:
    w = clusters_world
    r = w.call("POST", URL, json=body(w, advanced=ADVANCED))
    assert r.status_code == 201, r.text
    made = r.json()
    expected = ADVANCED | {
        "control_plane_args": ADVANCED["control_plane_args"] | {"controller_manager": {}},
        "kubeadm_ignore_preflight_errors": [],
    }
    assert made["spec"]["advanced"] == expected
    assert w.call("GET", f"{URL}/{made['id']}").json()["spec"]["advanced"] == expected
    # Without the block: every part present and empty, in the spec and in the extra-vars.
    plain = w.call("POST", URL, json=body(w, name="plain", nodes=[{"host_id": w.hosts[2], "role": "master"}]))
    assert plain.status_code == 201, plain.text
    empty: dict[str, Any] = {"kubelet_config": {}, "kube_proxy_config": {}, "containerd_config": {},
             "control_plane_args": {"apiserver": {}, "controller_manager": {}, "scheduler": {}},
             "kubeadm_ignore_preflight_errors": []}  # fmt: skip
    assert plain.json()["spec"]["advanced"] == empty

    engine = create_engine(w.dep_sync_url)
    with Session(engine) as session:
        specs = {op.cluster_id: op.spec for op in session.scalars(select(Operation))}
    engine.dispose()
    assert specs[made["id"]]["extravars"]["ko_cluster"]["advanced"] == expected
    assert specs[plain.json()["id"]]["extravars"]["ko_cluster"]["advanced"] == empty
