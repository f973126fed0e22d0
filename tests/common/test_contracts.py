"""The published contracts (OpenAPI and AsyncAPI) are generated from the code and checked in."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ko_common.events import REGISTRY
from ko_tools import asyncapi, openapi

ROOT = Path(__file__).resolve().parents[2]
SECRETISH = re.compile(r"password|passphrase|private_key|secret|token_value|kubeconfig", re.I)


def test_asyncapi_document_is_fresh() -> None:
    assert (ROOT / asyncapi.DEFAULT_PATH).read_text() == asyncapi.render(), "run `make contract`"


def test_openapi_document_is_fresh() -> None:
    assert (ROOT / openapi.DEFAULT_PATH).read_text() == openapi.render(), "run `make contract`"


def test_every_route_declares_its_permission_and_an_operation_id() -> None:
    doc = json.loads((ROOT / openapi.DEFAULT_PATH).read_text())
    kinds = {"public", "authenticated", "project:read", "project:write", "admin"}
    seen = set()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert op.get("x-ko-permission") in kinds, f"{method.upper()} {path} has no x-ko-permission"
            assert op.get("operationId") and op["operationId"] not in seen, f"{method.upper()} {path}"
            seen.add(op["operationId"])


def test_event_payloads_carry_no_secret_fields() -> None:
    asyncapi.build()  # imports every service's events
    assert REGISTRY, "no events declared"
    for type_, spec in REGISTRY.items():
        assert re.fullmatch(r"kubeoperator(\.[a-z-]+){3,}\.v\d+", type_), type_
        for name in spec.data.model_fields:
            assert not SECRETISH.search(name), f"{type_} carries a field named {name}"
