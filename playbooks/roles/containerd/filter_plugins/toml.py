"""`to_toml`: a mapping (string keys; strings, numbers, booleans, lists of those, nested mappings) as TOML.

containerd's config.toml is built as data (the role's settings deep-merged with the spec's
advanced.containerd_config) and written with this filter, so a site's extra tables land inside the
rendered ones instead of repeating a table header (which TOML forbids). Keys keep their order, so the
same data always gives the same text (the task stays unchanged on a rerun).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"TOML keys are strings, not {key!r}")
    return key if _BARE.fullmatch(key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(str(value))  # JSON string escapes are valid in a TOML basic string
    if isinstance(value, Sequence):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML form for {value!r} (null is not TOML)")


def _table(data: Mapping[str, Any], path: list[str], out: list[str]) -> None:
    scalars = [(k, v) for k, v in data.items() if not isinstance(v, Mapping)]
    tables = [(k, v) for k, v in data.items() if isinstance(v, Mapping)]
    if path and (scalars or not tables):
        out.append("")
        out.append(f"[{'.'.join(_key(p) for p in path)}]")
    indent = "  " if path else ""
    for k, v in scalars:
        out.append(f"{indent}{_key(k)} = {_value(v)}")
    for k, v in tables:
        _table(v, [*path, k], out)


def to_toml(data: Mapping[str, Any]) -> str:
    if not isinstance(data, Mapping):
        raise TypeError(f"to_toml takes a mapping, not {type(data).__name__}")
    out: list[str] = []
    _table(data, [], out)
    return "\n".join(out).lstrip("\n") + "\n"


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"to_toml": to_toml}
