"""Checks of a cluster spec against the world: the offline packages here, the hosts in inventory.

Everything wrong is reported at once, each problem naming its field (`nodes[2].host_id`,
`network.pod_cidr`, `load_balancer.vip`, `advanced.kubelet_config.maxPods`, ...), so the console can
put it on the right input. That includes a plan the schema refused (`refuse_unchecked`): its schema
problems come with the world checks of its valid parts, in one 422 shaped like payload validation's.

The VIP must be a free host address of the masters' subnet: not a host's, not the subnet's network
or broadcast address. The subnet's gateway cannot be checked: host facts carry no routes.

The package of the plan's version must carry what its Kubernetes needs (packages/requirements.py):
an etcd kubeadm's preflight would refuse at `kubeadm init` is refused here, on `version`, unless the
plan ignores that preflight check (ExternalEtcdVersion, or all) as kubeadm would.
"""

from __future__ import annotations

import ipaddress
from typing import Any, NoReturn

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.errors import InvalidInput, validation_body
from ko_common.identity import Identity
from ko_deployment.clusters import advanced
from ko_deployment.clusters.schemas import AddonsSpec, AdvancedSpec, ClusterCreate, Unchecked
from ko_deployment.inventory_client import InventoryClient
from ko_deployment.packages import requirements
from ko_deployment.packages.models import OfflinePackage

MASTERS = {"single": 1, "ha": 3}


async def ready_package(session: AsyncSession, version: str, arch: str) -> OfflinePackage | None:
    stmt = select(OfflinePackage).where(
        OfflinePackage.version == version, OfflinePackage.arch == arch, OfflinePackage.status == "ready"
    )
    return (await session.execute(stmt)).scalars().first()


async def known_versions(session: AsyncSession, arch: str) -> dict[str, dict[str, Any]]:
    """The Kubernetes versions of the ready packages for ``arch``, in order, each with its package's manifest."""
    stmt = select(OfflinePackage.version, OfflinePackage.manifest).where(
        OfflinePackage.arch == arch, OfflinePackage.status == "ready"
    )
    rows = (await session.execute(stmt)).all()
    return {version: manifest for version, manifest in sorted(rows, key=lambda row: row[0])}


def check(
    body: ClusterCreate,
    hosts: list[dict[str, Any]],
    versions: dict[str, dict[str, Any]],
    skip: frozenset[str] = frozenset(),
) -> list[tuple[str, str]]:
    """Problems with the spec as (field, message); empty when it can be deployed.

    `versions` is `known_versions`'s answer for the plan's arch.
    `skip` names top-level fields the schema refused (stand-ins here): the checks reading them are left out.
    """
    problems: list[tuple[str, str]] = []
    if not skip & {"version", "arch"} and body.version not in versions:
        known = ", ".join(versions) or "none yet"
        problems.append(("version", f"no imported offline package has Kubernetes {body.version} for {body.arch} "
                                    f"(available: {known}): import one under Offline packages"))  # fmt: skip
    elif not skip & {"version", "arch", "advanced"}:
        problems += _package_requirements(body, versions[body.version])

    if body.provisioning is not None:
        if body.nodes and "nodes" not in skip:
            problems.append(
                ("nodes", "give either nodes (hosts you chose) or provisioning (VMs from a plan), not both")
            )
        # The VMs do not exist yet: their checks run when the deploy's provision phase has made them.
        skip = skip | {"nodes"}
    elif not body.nodes and "nodes" not in skip:
        problems.append(("nodes", "choose the cluster's hosts, or give provisioning.plan_id to create VMs from a plan"))
        skip = skip | {"nodes"}
    masters = [n for n in body.nodes if n.role == "master"]
    want = MASTERS[body.topology]
    if not skip & {"topology", "nodes"} and len(masters) != want:
        problems.append(("nodes", f"topology {body.topology} needs exactly {want} master(s); {len(masters)} chosen"))
    by_id = {h["id"]: h for h in hosts}
    seen: dict[str, int] = {}
    networks: list[tuple[ipaddress.IPv4Network, str]] = []
    for i, node in enumerate([] if "nodes" in skip else body.nodes):
        where = f"nodes[{i}].host_id"
        if node.host_id in seen:
            problems.append((where, f"the same host as nodes[{seen[node.host_id]}]"))
            continue
        seen[node.host_id] = i
        host = by_id.get(node.host_id)
        if host is None:
            problems.append((where, f"no host {node.host_id} in this project: register it under Hosts first"))
            continue
        name = host["name"]
        if host.get("cluster_id"):
            problems.append((where, f"host {name} already belongs to cluster {host['cluster_id']}"))
        if host["status"] != "ready":
            problems.append((where, f"host {name} is {host['status']}: {host['status_message']} Check it again."))
        facts = host.get("facts") or {}
        if node.role == "master" and (facts.get("cpus") or 0) < 2:
            problems.append((where, f"host {name} has {facts.get('cpus') or 'unknown'} CPU(s); a master needs at "
                                    "least 2 (kubeadm's minimum)"))  # fmt: skip
        os_info = facts.get("os") or {}
        if os_info and not os_info.get("supported", True):
            problems.append((where, f"host {name}: {os_info.get('unsupported_reason')}"))
        for addr in facts.get("addresses") or []:
            if addr.get("family") == "ipv4":
                net = ipaddress.IPv4Interface(f"{addr['address']}/{addr['prefix']}").network
                networks.append((net, name))
        if not any(a.get("address") == host["ip"] for a in facts.get("addresses") or []):
            networks.append((ipaddress.IPv4Interface(f"{host['ip']}/32").network, name))

    pod = ipaddress.IPv4Network(body.network.pod_cidr)
    svc = ipaddress.IPv4Network(body.network.service_cidr)
    if "network" not in skip:
        problems += _networks(pod, svc, networks)

    vip = body.load_balancer.vip
    if vip is not None:
        address = ipaddress.IPv4Address(vip)
        master_hosts = [by_id[n.host_id] for n in masters if n.host_id in by_id]
        subnets = [
            ipaddress.IPv4Interface(f"{a['address']}/{a['prefix']}").network
            for h in master_hosts
            for a in (h.get("facts") or {}).get("addresses") or []
            if a.get("family") == "ipv4" and a.get("address") == h["ip"]
        ]
        if subnets and not any(address in s for s in subnets):
            problems.append(("load_balancer.vip", f"{vip} is not in the masters' subnet "
                                                  f"({', '.join(sorted({str(s) for s in subnets}))})"))  # fmt: skip
        for subnet in sorted(set(subnets)):
            # /31 and /32 have no network or broadcast address (RFC 3021).
            ends = {subnet.network_address: "network", subnet.broadcast_address: "broadcast"}
            if subnet.prefixlen <= 30 and address in ends:
                problems.append(("load_balancer.vip", f"{vip} is the {ends[address]} address of the masters' subnet "
                                                      f"{subnet}: choose a free host address in it"))  # fmt: skip
        taken = {h["ip"]: h["name"] for h in hosts}
        for h in hosts:
            for a in (h.get("facts") or {}).get("addresses") or []:
                taken.setdefault(a.get("address"), h["name"])
        if vip in taken:
            problems.append(("load_balancer.vip", f"{vip} is already used by host {taken[vip]}: choose a free one"))
        if "network" not in skip and (address in pod or address in svc):
            problems.append(("load_balancer.vip", f"{vip} is inside the pod or service network"))
    if "advanced" not in skip:
        problems += advanced.check(body.advanced, body.version)
    return problems


def _package_requirements(body: ClusterCreate, manifest: dict[str, Any]) -> list[tuple[str, str]]:
    ignored = {c.lower() for c in body.advanced.kubeadm_ignore_preflight_errors}
    skip = frozenset({"etcd"} if ignored & {requirements.ETCD_PREFLIGHT_CHECK, "all"} else ())
    fix = "under Offline packages (replacing this one), or choose another version"
    return [
        (
            "version",
            f"the offline package of Kubernetes {body.version} ({body.arch}) {short.sentence()}: import a package "
            f"of {body.version} with {short.minimum.component} {short.minimum.version} or newer {fix}",
        )
        for short in requirements.shortfalls(manifest, skip)
    ]


def _networks(
    pod: ipaddress.IPv4Network, svc: ipaddress.IPv4Network, host_networks: list[tuple[ipaddress.IPv4Network, str]]
) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if pod.overlaps(svc):
        problems.append(("network.service_cidr", f"overlaps the pod network {pod}: choose a separate range"))
    for field, net in (("network.pod_cidr", pod), ("network.service_cidr", svc)):
        for host_net, name in host_networks:
            if net.overlaps(host_net):
                problems.append((field, f"overlaps the network {host_net} of host {name}: choose another range"))
                break
    return problems


# Stand-ins for required fields the schema refused; the checks reading them are skipped.
_STAND_INS: dict[str, Any] = {
    "name": "unchecked",
    "version": "unchecked",
    "topology": "single",
    "nodes": [{"host_id": "unchecked", "role": "master"}],
}


def stand_in(raw: Any, errors: list[ErrorDetails]) -> tuple[ClusterCreate, frozenset[str]] | None:
    """The refused plan with its refused top-level fields replaced by defaults or stand-ins, and their names.

    None when nothing can be checked against the world (not an object, or no valid project).
    """
    bad = frozenset(str(e["loc"][0]) for e in errors if e["loc"])
    if not isinstance(raw, dict) or any(not e["loc"] for e in errors) or "project_id" in bad:
        return None
    kept = {k: v for k, v in raw.items() if k not in bad} | {k: v for k, v in _STAND_INS.items() if k in bad}
    try:
        return ClusterCreate.model_validate(kept), bad
    except ValidationError:
        return None


def schema_problems(errors: list[ErrorDetails]) -> list[tuple[str, str]]:
    """The schema's errors as (field, message), named and worded as the API's payload validation does."""
    located = [{**e, "loc": ("body", *e["loc"])} for e in errors]
    return [(f["field"], f["message"]) for f in validation_body(RequestValidationError(located))["fields"]]


async def refuse_unchecked(
    session: AsyncSession, identity: Identity, body: Unchecked, inventory: InventoryClient
) -> NoReturn:
    """Refuse a plan the schema refused, with the world's problems of its valid parts in the same answer.

    The world is consulted only for a caller who may plan in the project (the 403/404 otherwise
    waits for a valid plan, as before), so nothing of a project leaks through a refused plan.
    """
    problems = schema_problems(body.errors)
    partial = stand_in(body.raw, body.errors)
    if partial is not None and identity.can_write(partial[0].project_id):
        plan, bad = partial
        hosts = await inventory.project_hosts(identity, plan.project_id)
        versions = await known_versions(session, plan.arch)
        problems += check(plan, hosts, versions, skip=bad)
    raise InvalidInput.many(problems)


def advanced_of(spec: dict[str, Any]) -> dict[str, Any]:
    """The advanced block as the playbooks get it: every part present (clusters planned before it have none)."""
    return AdvancedSpec.model_validate(spec.get("advanced") or {}).model_dump(mode="json")


def addons_of(spec: dict[str, Any]) -> dict[str, Any]:
    """The add-ons as the playbooks get them: every switch present (coredns is true for clusters planned before it)."""
    return AddonsSpec.model_validate(spec.get("addons") or {}).model_dump(mode="json")


def address_in_subnet_of(address: str, host: dict[str, Any]) -> bool:
    """The address is in the subnet of the host's own address (true when its facts do not say)."""
    subnets = [
        ipaddress.IPv4Interface(f"{a['address']}/{a['prefix']}").network
        for a in (host.get("facts") or {}).get("addresses") or []
        if a.get("family") == "ipv4" and a.get("address") == host["ip"]
    ]
    return not subnets or any(ipaddress.IPv4Address(address) in s for s in subnets)


def refuse(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise InvalidInput.many(problems)
