"""Filters of the kubernetes_master role."""

from __future__ import annotations

from typing import Any


def ko_kubeadm_args(flags: dict[str, Any] | None) -> list[dict[str, str]]:
    """{flag: value} -> kubeadm v1beta4 extra args: a list of {name, value} with string values
    (booleans as true/false, the way the components' flags spell them)."""
    out = []
    for name, value in (flags or {}).items():
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            text = ",".join(str(v) for v in value)
        else:
            text = str(value)
        out.append({"name": str(name).lstrip("-"), "value": text})
    return out


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"ko_kubeadm_args": ko_kubeadm_args}
