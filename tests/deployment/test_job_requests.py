"""The job-request contract (ko.operations/v1) on the deployment service, served for real with its worker:
a service asks for an operation of a kind that names it, follows it to its end, and gets the same
operation back when it repeats the request. Everyone else is refused, naming why.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import nats
import pytest
from nats.js.api import DeliverPolicy

from ko_common.errors import InvalidInput
from ko_common.operations.executors import StepContext
from ko_common.operations.jobs import JobRequestError, OperationRequester
from ko_common.operations.kinds import KindRequest, OperationKind, PhaseDef
from ko_deployment.operations import service as operations
from tests.deployment.conftest import ALICE, IDENTITY_KEY, Deployment
from tests.support.procs import NatsServer


@pytest.fixture
def probe_kind(deployment: Deployment) -> Iterator[OperationKind]:
    """A kind only the backup service may request: one python step that reports a revision."""

    async def probe(ctx: StepContext) -> None:
        member = ctx.run.spec.get("member", "")
        ctx.log(f"snapshot saved at revision 42 on {member}", host=member, task="snapshot", changed=True)

    async def member_given(session: Any, request: KindRequest) -> None:
        if not request.spec.get("member"):
            raise InvalidInput("Name the etcd member to snapshot: params.member, e.g. m1.", field="params.member")

    operations.STEPS.steps["probe"] = probe
    kind = operations.KINDS.register(
        OperationKind(
            "probe",
            phases=lambda _: [PhaseDef("snapshot", "probe", "python")],
            preflight=[member_given],
            requesters=frozenset({"backup"}),
        )
    )
    yield kind
    operations.KINDS.kinds.pop("probe", None)
    operations.STEPS.steps.pop("probe", None)


def requester(deployment: Deployment, service: str) -> OperationRequester:
    return OperationRequester(deployment.base, "deployment", IDENTITY_KEY.encode(), service)


async def test_a_service_requests_an_operation_and_follows_it(
    deployment: Deployment, nats_server: NatsServer, probe_kind: OperationKind
) -> None:
    backup = requester(deployment, "backup")
    ticket = await backup.request("probe", "p1", "c-req", {"member": "m1"}, request_id="backup-1")
    assert ticket.created and ticket.status == "queued" and ticket.api_version == "ko.operations/v1"
    assert ticket.events_subject == f"ko.deployment.operation.{ticket.operation_id}.event"

    again = await backup.request("probe", "p1", "c-req", {"member": "m1"}, request_id="backup-1")
    assert (again.operation_id, again.created) == (ticket.operation_id, False)  # idempotent, not a second one

    done = await backup.wait(ticket.operation_id, timeout=30, poll=0.2)
    assert done.status == "succeeded" and [p.executor for p in done.phases] == ["python"]

    # Its events are on the subject the ticket named, ending with the end marker.
    nc = await nats.connect(nats_server.url)
    try:
        sub = await nc.jetstream().subscribe(
            ticket.events_subject, stream="KO_OPERATION_EVENTS", deliver_policy=DeliverPolicy.ALL, ordered_consumer=True
        )
        seen: list[dict[str, Any]] = []
        while not seen or seen[-1]["kind"] != "end":
            msg = await sub.next_msg(timeout=10)
            seen.append(json.loads(msg.data)["data"])
    finally:
        await nc.close()
    assert [e["counter"] for e in seen] == list(range(1, len(seen) + 1))
    assert any(e["excerpt"] == "snapshot saved at revision 42 on m1" and e["host"] == "m1" for e in seen)
    assert seen[-1]["status"] == "succeeded"


async def test_requests_are_refused_naming_why(deployment: Deployment, probe_kind: OperationKind) -> None:
    with pytest.raises(JobRequestError) as other:
        await requester(deployment, "observability").request("probe", "p1", "c-x", {"member": "m1"}, "o-1")
    assert other.value.status == 403 and "observability service may not request probe" in str(other.value)

    with pytest.raises(JobRequestError) as unknown:
        await requester(deployment, "backup").request("upgrade-all", "p1", "c-x", {}, "b-2")
    assert (unknown.value.status, unknown.value.field) == (422, "kind")
    assert "this service runs " in str(unknown.value)
    assert {"deploy", "probe", "etcd-backup"} <= set(str(unknown.value).rstrip(".").split("runs ", 1)[1].split(", "))

    with pytest.raises(JobRequestError) as bad:
        await requester(deployment, "backup").request("probe", "p1", "c-x", {}, "b-3")
    assert (bad.value.status, bad.value.field) == (422, "params.member")

    # A person, even with a valid identity, does not use the internal contract.
    body = {"request_id": "a", "kind": "probe", "project_id": "p1", "cluster_id": "c-x", "params": {"member": "m1"}}
    r = deployment.call("POST", "/internal/operations", who=ALICE, json=body)
    assert r.status_code == 403 and "Only a service" in r.json()["detail"]

    # A service reads only what it requested.
    ticket = await requester(deployment, "backup").request("probe", "p1", "c-y", {"member": "m1"}, "b-4")
    with pytest.raises(JobRequestError) as foreign:
        await requester(deployment, "observability").get(ticket.operation_id)
    assert foreign.value.status == 404
    await asyncio.sleep(0)
