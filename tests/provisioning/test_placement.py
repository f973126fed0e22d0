"""The provisioning service's checks of a plan before anything is created, and its placement
(workspaces/service.py), on plans as inventory's internal route gives them. Plans whose zones are of
another region cannot be made through inventory's API any more; one left from before, or a zone
whose region was changed in the database, is still refused here, naming the zone."""

from __future__ import annotations

from typing import Any

import pytest

from ko_common.errors import InvalidInput
from ko_provisioning.workspaces.service import check_capacity, check_plan, placement


def plan(zones: list[tuple[str, str, str, int]], masters: int = 1, workers: int = 2) -> dict[str, Any]:
    """zones: (id, region id, pool id, free addresses)."""
    ids = [z[0] for z in zones]
    return {
        "plan": {"id": "pl", "name": "plan-a", "project_id": "p1", "region_id": "r1", "master_count": masters,
                 "worker_count": workers, "zone_ids": ids,
                 "placement": {"masters": [ids[i % len(ids)] for i in range(masters)], "workers": []}},
        "region": {"name": "dc-east"},
        "zones": [{"id": z, "name": f"zone-{z}", "region_id": r, "pool": {"id": p, "name": f"pool-{p}", "free": f}}
                  for z, r, p, f in zones],
    }  # fmt: skip


def test_a_zone_of_another_region_is_refused_naming_it() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_plan(plan([("a", "r1", "p1", 9), ("b", "r2", "p2", 9)]), "p1")
    assert refused.value.field == "plan_id" and "zone-b" in str(refused.value) and "dc-east" in str(refused.value)


def test_another_projects_plan_and_three_masters_over_two_zones_are_refused() -> None:
    with pytest.raises(InvalidInput, match="another project"):
        check_plan(plan([("a", "r1", "p1", 9)]), "p2")
    with pytest.raises(InvalidInput, match="quorum"):
        check_plan(plan([("a", "r1", "p1", 9), ("b", "r1", "p1", 9)], masters=3), "p1")
    check_plan(plan([("a", "r1", "p1", 9), ("b", "r1", "p1", 9), ("c", "r1", "p1", 9)], masters=3), "p1")
    check_plan(plan([("a", "r1", "p1", 9)], masters=3), "p1")


def test_workers_go_round_robin_and_zones_sharing_a_pool_are_counted_together() -> None:
    p = plan([("a", "r1", "p1", 9), ("b", "r1", "p1", 9), ("c", "r1", "p2", 1)], masters=3, workers=4)
    assert placement(p, 4) == [("master", "a"), ("master", "b"), ("master", "c"),
                               ("worker", "a"), ("worker", "b"), ("worker", "c"), ("worker", "a")]  # fmt: skip
    with pytest.raises(InvalidInput) as refused:  # zone c's pool has one free address, two VMs go there
        check_capacity(p, [z for _, z in placement(p, 4)])
    assert refused.value.field == "worker_count" and "zone-c" in str(refused.value) and "pool-p2" in str(refused.value)
    with pytest.raises(InvalidInput, match="pool-p1"):  # a and b share p1 (3 free): 5 VMs need it
        check_capacity(plan([("a", "r1", "p1", 3), ("b", "r1", "p1", 3)]), ["a", "b", "a", "b", "a"])
    check_capacity(p, [z for _, z in placement(p, 3)][:5])
