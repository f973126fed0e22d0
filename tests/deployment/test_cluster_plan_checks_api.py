"""Issue 12 §4 and issue 13 item 3 through the clusters API (no lab): VIP addresses, value ranges of
the advanced settings, mirrors as URLs, every problem in one answer, the cgroup driver pair, kubeadm
preflight errors to ignore, CoreDNS as a switch; and what the playbooks get (`ko_cluster`).

The same world as test_clusters_api.py: the real inventory and deployment services, hosts seeded
with facts (node1..node4 in 10.1.0.0/24), no worker (a planned deploy stays queued, its extra-vars
readable in the database).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from ko_deployment.clusters import advanced, validation
from ko_deployment.clusters.schemas import AdvancedSpec
from ko_deployment.operations.models import Operation
from tests.deployment import test_clusters_api as base
from tests.deployment.test_clusters_api import RO, URL, World, body, named

database_url = base.database_url
clusters_world = base.world

RUNC_V3 = 'advanced.containerd_config.plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options'
RUNC_V2 = 'advanced.containerd_config.plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options'
DRIVER = "advanced.kubelet_config.cgroupDriver"


def runc(systemd_cgroup: Any, v2: bool = False) -> dict[str, Any]:
    plugin = "io.containerd.grpc.v1.cri" if v2 else "io.containerd.cri.v1.runtime"
    return {"plugins": {plugin: {"containerd": {"runtimes": {"runc": {"options": {"SystemdCgroup": systemd_cgroup}}}}}}}


def messages(r: Any) -> dict[str, str]:
    return {f["field"]: f["message"] for f in r.json()["fields"]}


def extravars(w: World, cluster_id: str) -> dict[str, Any]:
    engine = create_engine(w.dep_sync_url)
    with Session(engine) as session:
        spec = next(op.spec for op in session.scalars(select(Operation)) if op.cluster_id == cluster_id)
    engine.dispose()
    cluster: dict[str, Any] = spec["extravars"]["ko_cluster"]
    return cluster


def check(version: str = "1.36.0", **blocks: Any) -> dict[str, str]:
    return dict(advanced.check(AdvancedSpec.model_validate(blocks), version))


def test_the_vip_must_be_a_free_host_address_of_the_masters_subnet(clusters_world: World) -> None:
    w = clusters_world
    special = "cannot be a host's address"
    cases = [("10.1.0.0", "network address of the masters' subnet 10.1.0.0/24"),
             ("10.1.0.255", "broadcast address of the masters' subnet 10.1.0.0/24"),
             ("127.0.0.1", special), ("224.0.0.5", special), ("0.0.0.0", special), ("169.254.1.1", special)]  # noqa: S104  # fmt: skip
    for vip, says in cases:
        r = w.call("POST", URL, json=body(w, load_balancer={"mode": "external", "vip": vip}))
        assert r.status_code == 422, (vip, r.text)
        assert says in messages(r)["load_balancer.vip"], (vip, r.json())
    assert w.call("POST", URL, json=body(w, load_balancer={"mode": "external", "vip": "10.1.0.254"})).status_code == 201


def test_limits_must_be_in_range_and_mirrors_must_be_urls(clusters_world: World) -> None:
    w = clusters_world
    for pods in (0, -1):
        r = w.call("POST", URL, json=body(w, advanced={"kubelet_config": {"maxPods": pods}}))
        assert r.status_code == 422, r.text
        assert messages(r)["advanced.kubelet_config.maxPods"] == "must be a whole number of at least 1"
    r = w.call("POST", URL, json=body(w, runtime={"registry_mirrors": ["https://harbor.local", "harbor.local"]}))
    assert r.status_code == 422, r.text
    assert "http:// or https:// URL" in messages(r)["runtime.registry_mirrors.1"]
    assert "runtime.registry_mirrors.0" not in messages(r)
    for mirror in ("ftp://harbor.local", "https://user:secret@harbor.local", "https://harbor.local:0"):
        r = w.call("POST", URL, json=body(w, runtime={"registry_mirrors": [mirror]}))
        assert r.status_code == 422 and "runtime.registry_mirrors.0" in named(r), (mirror, r.text)
        assert "secret" not in r.text
    made = w.call("POST", URL, json=body(w, runtime={"registry_mirrors": ["http://10.1.0.9:5000"]}))
    assert made.status_code == 201, made.text


def test_advanced_values_are_checked_against_the_components_ranges() -> None:
    kubelet = "advanced.kubelet_config"
    got = check(kubelet_config={
        "port": 0, "healthzPort": 70000, "imageGCHighThresholdPercent": 101, "podPidsLimit": 0, "oomScoreAdj": -1001,
        "containerLogMaxFiles": 1, "memoryThrottlingFactor": 0, "syncFrequency": "-1s",
        "containerLogMonitorInterval": "1s", "cpuCFSQuotaPeriod": "2s", "shutdownGracePeriod": "500ms",
        "hairpinMode": "bridge", "cgroupDriver": "cgroup", "nodeStatusMaxImages": -2, "iptablesDropBit": 32,
    })  # fmt: skip
    assert got == {
        f"{kubelet}.port": "must be a whole number from 1 to 65535",
        f"{kubelet}.healthzPort": "must be a whole number from 1 to 65535, or 0 (off)",
        f"{kubelet}.imageGCHighThresholdPercent": "must be a whole number from 0 to 100",
        f"{kubelet}.podPidsLimit": "must be a whole number of at least 1, or -1 (no limit)",
        f"{kubelet}.oomScoreAdj": "must be a whole number from -1000 to 1000",
        f"{kubelet}.containerLogMaxFiles": "must be a whole number of at least 2",
        f"{kubelet}.memoryThrottlingFactor": "must be a number greater than 0 and at most 1",
        f"{kubelet}.syncFrequency": "must not be negative",
        f"{kubelet}.containerLogMonitorInterval": "must be a duration of at least 3s",
        f"{kubelet}.cpuCFSQuotaPeriod": "must be a duration from 1ms to 1s",
        f"{kubelet}.shutdownGracePeriod": "must be a duration of at least 1s, or 0s",
        f"{kubelet}.hairpinMode": "must be one of promiscuous-bridge, hairpin-veth, none",
        f"{kubelet}.cgroupDriver": "must be one of systemd, cgroupfs",
        f"{kubelet}.nodeStatusMaxImages": "must be a whole number of at least 0, or -1 (no cap)",
        f"{kubelet}.iptablesDropBit": "must be a whole number from 0 to 31",
    }
    fine = {"readOnlyPort": 0, "podPidsLimit": -1, "memoryThrottlingFactor": 1, "syncFrequency": "1m30s",
            "cpuCFSQuotaPeriod": "100ms", "shutdownGracePeriod": "0", "imageMinimumGCAge": ".5h",
            "podsPerCore": 0}  # fmt: skip
    assert check(kubelet_config=fine) == {}
    # Pairs the kubelet refuses, the missing one at its default (high 85, serialized pulls).
    assert (
        "less than imageGCHighThresholdPercent (85)"
        in check(kubelet_config={"imageGCLowThresholdPercent": 90})[f"{kubelet}.imageGCLowThresholdPercent"]
    )
    assert (
        "serializeImagePulls false"
        in check(kubelet_config={"maxParallelImagePulls": 4})[f"{kubelet}.maxParallelImagePulls"]
    )
    assert check(kubelet_config={"maxParallelImagePulls": 4, "serializeImagePulls": False}) == {}
    got = check(kube_proxy_config={"oomScoreAdj": 5000, "configSyncPeriod": "0s", "detectLocalMode": "Pod"})
    assert got == {
        "advanced.kube_proxy_config.oomScoreAdj": "must be a whole number from -1000 to 1000",
        "advanced.kube_proxy_config.configSyncPeriod": "must be a duration greater than 0s",
        "advanced.kube_proxy_config.detectLocalMode": "must be one of ClusterCIDR, NodeCIDR, BridgeInterface, "
        "InterfaceNamePrefix",
    }


def test_every_problem_comes_in_one_answer(clusters_world: World) -> None:
    w = clusters_world
    plan = body(w, name="Bad_Name", version="1.20.0", network={"pod_cidr": "10.244.0.1/16"},
                nodes=[{"host_id": "nope", "role": "master"}], advanced={"kubelet_config": {"maxPods": 0}})  # fmt: skip
    r = w.call("POST", URL, json=plan)
    assert r.status_code == 422, r.text
    got = messages(r)
    assert {"name", "network.pod_cidr", "version", "nodes[0].host_id", "advanced.kubelet_config.maxPods"} <= set(got)
    assert "no imported offline package has Kubernetes 1.20.0" in got["version"]
    assert got["network.pod_cidr"].startswith("has host bits set")  # the schema's wording, as before
    assert r.json()["error"] == "validation_error" and r.json()["field"] == "name"
    # The world is consulted only for whoever may plan in the project: a reader gets the schema's problems.
    r = w.call("POST", URL, RO, json=plan)
    assert r.status_code == 422 and set(messages(r)) == {"name", "network.pod_cidr"}, r.text
    # A refused project or a body that is no object: the schema's problems alone.
    r = w.call("POST", URL, json=body(w, project_id="", version="1.20.0"))
    assert r.status_code == 422 and set(messages(r)) == {"project_id"}, r.text
    assert w.call("POST", URL, json=[1]).status_code == 422
    assert w.call("GET", URL, params={"project_id": "pc1"}).json()["total"] == 0


def test_the_cgroup_driver_pair_may_change_but_must_agree(clusters_world: World) -> None:
    w = clusters_world
    cgroupfs = {"kubelet_config": {"cgroupDriver": "cgroupfs"}, "containerd_config": runc(False)}
    r = w.call("POST", URL, json=body(w, advanced=cgroupfs))
    assert r.status_code == 201, r.text
    assert r.json()["spec"]["advanced"]["kubelet_config"] == {"cgroupDriver": "cgroupfs"}
    assert extravars(w, r.json()["id"])["advanced"]["containerd_config"] == runc(False)
    # cgroupfs alone is enough: the containerd role derives SystemdCgroup from it.
    alone = {"kubelet_config": {"cgroupDriver": "cgroupfs"}}
    r = w.call(
        "POST", URL, json=body(w, name="alone", nodes=[{"host_id": w.hosts[2], "role": "master"}], advanced=alone)
    )
    assert r.status_code == 201, r.text

    disagreeing = [
        ({"kubelet_config": {"cgroupDriver": "cgroupfs"}, "containerd_config": runc(True)}, RUNC_V3),
        ({"kubelet_config": {"cgroupDriver": "systemd"}, "containerd_config": runc(False, v2=True)}, RUNC_V2),
        ({"containerd_config": runc(False)}, RUNC_V3),  # the kubelet's driver is systemd by default
    ]
    for block, containerd in disagreeing:
        r = w.call("POST", URL, json=body(w, name="other", advanced=block))
        assert r.status_code == 422, (block, r.text)
        got = messages(r)
        assert {DRIVER, f"{containerd}.SystemdCgroup"} <= set(got), (block, got)
        assert "SystemdCgroup" in got[DRIVER] and "cgroupDriver" in got[f"{containerd}.SystemdCgroup"]
    r = w.call("POST", URL, json=body(w, name="other", advanced={"containerd_config": runc("false")}))
    assert r.status_code == 422 and messages(r)[f"{RUNC_V3}.SystemdCgroup"].startswith("must be true or false")


def test_preflight_errors_to_ignore_are_check_names(clusters_world: World) -> None:
    w = clusters_world
    where = "advanced.kubeadm_ignore_preflight_errors"
    r = w.call("POST", URL, json=body(w, advanced={"kubeadm_ignore_preflight_errors": ["-x", "a b", "", "ok", "x/y"]}))
    assert r.status_code == 422, r.text
    assert {f"{where}.0", f"{where}.1", f"{where}.2", f"{where}.4"} == set(messages(r)), r.json()
    assert "SystemVerification" in messages(r)[f"{where}.0"]
    for wrong in (["all", "SystemVerification"], [f"Check{i}" for i in range(51)]):
        r = w.call("POST", URL, json=body(w, advanced={"kubeadm_ignore_preflight_errors": wrong}))
        assert r.status_code == 422 and where in named(r), r.text

    given = ["SystemVerification", "FileAvailable--etc-kubernetes-pki-ca.crt", "systemverification"]
    r = w.call("POST", URL, json=body(w, advanced={"kubeadm_ignore_preflight_errors": given}))
    assert r.status_code == 201, r.text
    kept = ["SystemVerification", "FileAvailable--etc-kubernetes-pki-ca.crt"]
    assert r.json()["spec"]["advanced"]["kubeadm_ignore_preflight_errors"] == kept
    assert extravars(w, r.json()["id"])["advanced"]["kubeadm_ignore_preflight_errors"] == kept


def test_coredns_is_a_switch_on_by_default(clusters_world: World) -> None:
    w = clusters_world
    off = w.call("POST", URL, json=body(w, addons={"coredns": False}))
    assert off.status_code == 201, off.text
    assert off.json()["spec"]["addons"] == {"metrics_server": True, "helm": True, "coredns": False}
    assert extravars(w, off.json()["id"])["addons"]["coredns"] is False
    on = w.call("POST", URL, json=body(w, name="dns", nodes=[{"host_id": w.hosts[2], "role": "master"}]))
    assert on.status_code == 201, on.text
    assert on.json()["spec"]["addons"]["coredns"] is True and extravars(w, on.json()["id"])["addons"]["coredns"]


def test_clusters_stored_before_get_the_new_fields_at_their_defaults() -> None:
    old = {"addons": {"metrics_server": False, "helm": True}, "advanced": {"kubelet_config": {"maxPods": 200}}}
    assert validation.addons_of(old) == {"metrics_server": False, "helm": True, "coredns": True}
    assert validation.advanced_of(old)["kubeadm_ignore_preflight_errors"] == []
    assert validation.addons_of({})["coredns"] is True


def one_master(w: World, i: int, version: str, **extra: Any) -> dict[str, Any]:
    return body(w, name=f"c{i}", version=version, nodes=[{"host_id": w.hosts[i], "role": "master"}], **extra)


def test_a_package_whose_etcd_kubeadm_would_refuse_is_refused_when_planning(clusters_world: World) -> None:
    w = clusters_world
    base.seed_package(w.dep_sync_url, "1.36.1", etcd="3.4.23")  # no requires: KubeOperator's table (1.36: 3.5.24)
    r = w.call("POST", URL, json=body(w, version="1.36.1"))
    assert r.status_code == 422, r.text
    assert messages(r) == {
        "version": "the offline package of Kubernetes 1.36.1 (amd64) carries etcd 3.4.23, older than 3.5.24, the "
        "oldest external etcd kubeadm 1.36 accepts: import a package of 1.36.1 with etcd 3.5.24 or newer under "
        "Offline packages (replacing this one), or choose another version"
    }
    # In the same answer as the problems of a plan the schema refused.
    r = w.call("POST", URL, json=body(w, version="1.36.1", name="Bad_Name"))
    assert r.status_code == 422 and set(messages(r)) == {"name", "version"}, r.text
    assert "carries etcd 3.4.23, older than 3.5.24" in messages(r)["version"]
    # Nothing was claimed; kubeadm runs with any etcd when its check is ignored, and so does planning.
    ignore = {"kubeadm_ignore_preflight_errors": ["externalEtcdVersion"]}
    r = w.call("POST", URL, json=body(w, version="1.36.1", advanced=ignore))
    assert r.status_code == 201, r.text


def test_the_package_states_its_minimum_else_the_table_of_its_kubernetes_minor_applies(clusters_world: World) -> None:
    w = clusters_world
    base.seed_package(w.dep_sync_url, "1.36.2", etcd="3.4.23", requires={"etcd": "3.4.23"})  # its kubeadm says so
    base.seed_package(w.dep_sync_url, "1.33.0", etcd="3.4.23")  # older than the table: no minimum known
    base.seed_package(w.dep_sync_url, "1.37.0", etcd="3.5.21")  # newer than the table: its newest minimum
    base.seed_package(w.dep_sync_url, "1.36.3", components={})  # no etcd at all
    r = w.call("POST", URL, json=one_master(w, 0, "1.37.0"))
    assert messages(r) == {
        "version": "the offline package of Kubernetes 1.37.0 (amd64) carries etcd 3.5.21, older than 3.5.24, the "
        "oldest external etcd kubeadm 1.37 accepts: import a package of 1.37.0 with etcd 3.5.24 or newer under "
        "Offline packages (replacing this one), or choose another version"
    }, r.text
    r = w.call("POST", URL, json=one_master(w, 0, "1.36.3"))
    assert messages(r)["version"].startswith(
        "the offline package of Kubernetes 1.36.3 (amd64) carries no etcd; it needs etcd 3.5.24 or newer, the "
        "oldest external etcd kubeadm 1.36 accepts: import a package of 1.36.3 with etcd 3.5.24"
    ), r.text
    for i, version in enumerate(("1.36.0", "1.36.2", "1.33.0")):  # 1.36.0: etcd 3.6.8, the world's package
        r = w.call("POST", URL, json=one_master(w, i, version))
        assert r.status_code == 201, (version, r.text)
