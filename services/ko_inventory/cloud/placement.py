"""Where a plan's VMs go: round-robin over its zones, in the order the plan lists them."""

from __future__ import annotations

from collections.abc import Sequence


def spread(count: int, zone_ids: Sequence[str]) -> list[str]:
    """The zone of each of ``count`` VMs: the first zone, the second, ..., then the first again.

    Masters and workers are spread separately, each from the first zone: 3 masters over 3 zones
    are one per zone (losing a zone keeps etcd's quorum), over 2 zones 2 + 1; workers follow the
    same rule so each zone carries a share. An empty zone list places nothing.
    """
    if not zone_ids:
        return []
    return [zone_ids[i % len(zone_ids)] for i in range(count)]
