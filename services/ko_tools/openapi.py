"""Write the public OpenAPI document without running anything: ``python -m ko_tools.openapi``.

The checked-in ``docs/api/openapi.json`` is this output; a test fails when it
drifts from the code, and the console's TypeScript client is generated from it.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from ko_common.settings import ROUTED_SERVICES
from ko_gateway.proxy.openapi import assemble
from ko_tools.generated import generated_file_cli

DEFAULT_PATH = Path("docs/api/openapi.json")


def build() -> dict[str, Any]:
    from ko_gateway.app import create_app as gateway_app

    docs: dict[str, dict[str, Any] | None] = {}
    for name in ROUTED_SERVICES:
        module = importlib.import_module(f"ko_{name}.app")
        docs[name] = module.create_app().openapi()
    return assemble(gateway_app().openapi(), docs)


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=False) + "\n"


def main() -> None:
    generated_file_cli("Write the public OpenAPI document.", DEFAULT_PATH, render)


if __name__ == "__main__":
    main()
