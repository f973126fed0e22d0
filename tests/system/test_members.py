"""A project manager adds members through the project's own candidate lookup."""

from __future__ import annotations

from tests.system.helpers import World

API = "/api/v1"


def test_project_manager_finds_and_adds_a_member(world: World) -> None:
    url = f"{API}/projects/{world.a}/member-candidates"
    found = world.pm.client.get(url, params={"q": world.outsider.username})
    assert found.status_code == 200, found.text
    assert [c["user_id"] for c in found.json()] == [world.outsider.id]
    assert set(found.json()[0]) == {"user_id", "username", "display_name"}  # nothing more about users
    members = {c["user_id"] for c in world.pm.client.get(url, params={"limit": 50}).json()}
    assert world.ro.id not in members and world.pm.id not in members  # already members
    assert world.ro.client.get(url).status_code == 403
    assert world.pm.client.get(f"{API}/projects/{world.b}/member-candidates").status_code == 404
    assert world.pm.client.get(url, params={"limit": 0}).status_code == 422
