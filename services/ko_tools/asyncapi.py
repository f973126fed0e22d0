"""The event contract as an AsyncAPI document, generated from the event specs.

``python -m ko_tools.asyncapi --write`` regenerates ``docs/events/asyncapi.json``;
a test fails when the checked-in document drifts from the code. Integrations
subscribe to these subjects: changing a payload incompatibly means a new
``.vN`` type, never an edit of an existing one.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from ko_common.events import CONTRACT_VERSION, REGISTRY, Envelope
from ko_common.settings import SERVICES
from ko_tools.generated import generated_file_cli

DEFAULT_PATH = Path("docs/events/asyncapi.json")


def load_services() -> None:
    """Import every service, so that each one's event specs are in the registry."""
    for name in SERVICES:
        importlib.import_module(f"ko_{name}.app")


def _inline_defs(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(schema).replace('"#/$defs/', '"#/components/schemas/')
    result: dict[str, Any] = json.loads(text)
    defs.update(result.pop("$defs", {}))
    return result


def build() -> dict[str, Any]:
    load_services()
    schemas: dict[str, Any] = {}
    env_schema = _inline_defs(Envelope.model_json_schema(), schemas)
    schemas["Envelope"] = env_schema
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for type_, spec in sorted(REGISTRY.items()):
        if not spec.data.__module__.startswith("ko_"):
            continue  # declared by a test, not part of the product
        data_name = spec.data.__name__
        schemas[data_name] = _inline_defs(spec.data.model_json_schema(), schemas)
        msg_name = type_.removeprefix("kubeoperator.").replace(".", "_")
        messages[msg_name] = {
            "name": type_,
            "title": type_,
            "summary": spec.summary,
            "contentType": "application/json",
            "payload": {
                "allOf": [
                    {"$ref": "#/components/schemas/Envelope"},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": type_},
                            "data": {"$ref": f"#/components/schemas/{data_name}"},
                        },
                    },
                ]
            },
        }
        channels[spec.subject] = {
            "description": f"JetStream stream {spec.stream}.",
            "subscribe": {"operationId": f"on_{msg_name}", "message": {"$ref": f"#/components/messages/{msg_name}"}},
        }
    return {
        "asyncapi": "2.6.0",
        "info": {
            "title": "KubeOperator events",
            "version": CONTRACT_VERSION,
            "description": "Domain events on NATS JetStream, in a CloudEvents 1.0 envelope. "
            "Delivery is at least once: deduplicate on the envelope id. See docs/events/README.md.",
        },
        "defaultContentType": "application/json",
        "servers": {"nats": {"url": "nats://127.0.0.1:4222", "protocol": "nats", "description": "KO_NATS_URL"}},
        "channels": channels,
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


def render() -> str:
    return json.dumps(build(), indent=2) + "\n"


def main() -> None:
    generated_file_cli("Generate the AsyncAPI event contract.", DEFAULT_PATH, render)


if __name__ == "__main__":
    main()
