"""The credentials routes as the gateway merges them: stable operation ids, permissions, no secret out."""

from __future__ import annotations

from pathlib import Path

from ko_inventory.app import InventorySettings, create_app

EXPECTED = {
    ("get", "/api/v1/credentials"): ("listCredentials", "project:read"),
    ("post", "/api/v1/credentials"): ("createCredential", "project:write"),
    ("get", "/api/v1/credentials/{credential_id}"): ("getCredential", "project:read"),
    ("patch", "/api/v1/credentials/{credential_id}"): ("updateCredential", "project:write"),
    ("delete", "/api/v1/credentials/{credential_id}"): ("deleteCredential", "project:write"),
}


def test_operations_and_schemas(tmp_path: Path) -> None:
    doc = create_app(InventorySettings(data_dir=tmp_path)).openapi()
    assert doc["info"]["title"] == "KubeOperator inventory"
    found = {
        (method, path): (op["operationId"], op["x-ko-permission"])
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
    }
    assert found == EXPECTED
    schemas = doc["components"]["schemas"]
    assert not {"password", "private_key", "passphrase"} & set(schemas["CredentialOut"]["properties"])
    for name in ("password", "private_key", "passphrase"):
        secret = schemas["CredentialCreate"]["properties"][name]["anyOf"][0]
        assert secret["writeOnly"] and secret["format"] == "password"
