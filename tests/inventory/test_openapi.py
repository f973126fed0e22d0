"""Inventory routes as the gateway merges them: stable operation ids, permissions, no secret out."""

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
for _kind, _entity, _param in (
    ("regions", "Region", "region_id"),
    ("zones", "Zone", "zone_id"),
    ("plans", "Plan", "plan_id"),
    ("ip-pools", "IpPool", "pool_id"),
):
    _one = f"/api/v1/{_kind}/{{{_param}}}"
    EXPECTED |= {
        ("get", f"/api/v1/{_kind}"): (f"list{_entity}s", "project:read"),
        ("post", f"/api/v1/{_kind}"): (f"create{_entity}", "project:write"),
        ("get", _one): (f"get{_entity}", "project:read"),
        ("patch", _one): (f"update{_entity}", "project:write"),
        ("delete", _one): (f"delete{_entity}", "project:write"),
    }
EXPECTED |= {
    ("get", "/api/v1/ip-pools/{pool_id}/addresses"): ("listIpAddresses", "project:read"),
    ("post", "/api/v1/ip-pools/{pool_id}/allocations"): ("allocateIpAddresses", "project:write"),
    ("post", "/api/v1/ip-pools/{pool_id}/releases"): ("releaseIpAddresses", "project:write"),
}


def test_operations_and_schemas(tmp_path: Path) -> None:
    doc = create_app(InventorySettings(data_dir=tmp_path)).openapi()
    assert doc["info"]["title"] == "KubeOperator inventory"
    found = {
        (method, path): (op["operationId"], op["x-ko-permission"])
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
    }
    # Other domains' routes are checked by their own tests.
    assert {key: found.get(key) for key in EXPECTED} == EXPECTED
    schemas = doc["components"]["schemas"]
    assert not {"password", "private_key", "passphrase"} & set(schemas["CredentialOut"]["properties"])
    for name in ("password", "private_key", "passphrase"):
        secret = schemas["CredentialCreate"]["properties"][name]["anyOf"][0]
        assert secret["writeOnly"] and secret["format"] == "password"
    assert not {"password", "password_enc"} & set(schemas["RegionOut"]["properties"])
    secret = schemas["RegionCreate"]["properties"]["password"]
    assert secret["writeOnly"] and secret["format"] == "password"
