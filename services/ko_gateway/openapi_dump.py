"""Write the public OpenAPI document without running anything: ``python -m ko_gateway.openapi_dump``.

The checked-in ``docs/api/openapi.json`` is this output; a test fails when it
drifts from the code, and the console's TypeScript client is generated from it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from ko_gateway.proxy.openapi import assemble
from ko_gateway.settings import ROUTED_SERVICES

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
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"write {DEFAULT_PATH}")
    parser.add_argument("--check", action="store_true", help="exit 1 if the checked-in document is stale")
    args = parser.parse_args()
    text = render()
    if args.check:
        current = DEFAULT_PATH.read_text() if DEFAULT_PATH.exists() else ""
        if current != text:
            sys.exit(f"{DEFAULT_PATH} is stale: run `make openapi`")
        return
    if args.write:
        DEFAULT_PATH.parent.mkdir(parents=True, exist_ok=True)
        DEFAULT_PATH.write_text(text)
        print(f"wrote {DEFAULT_PATH}")
        return
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
