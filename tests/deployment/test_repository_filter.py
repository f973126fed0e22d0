"""`ko_repository_base`: the URL each node is given for the offline repository (issue 12 §1)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from ko_common.netaddr import local_addresses

PLUGIN = Path(__file__).resolve().parents[2] / "playbooks" / "filter_plugins" / "repository.py"


@pytest.fixture(scope="module")
def base():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("ko_repository_filter", PLUGIN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FilterModule().filters()["ko_repository_base"]


def test_a_configured_url_is_given_to_every_node(base) -> None:  # type: ignore[no-untyped-def]
    repo = {"url": "http://lb.example:80/repository/", "port": 8080, "path": "/repository"}
    assert base(repo, "10.0.0.7") == "http://lb.example:80/repository"


def test_otherwise_each_node_gets_the_address_that_faces_it(base) -> None:  # type: ignore[no-untyped-def]
    repo = {"url": "", "port": 8080, "path": "/repository"}
    assert base(repo, "127.0.0.1") == "http://127.0.0.1:8080/repository"
    for address in local_addresses():
        # A node on one of this machine's networks is given this machine's address on it.
        got = base(repo, address)
        if got != f"http://{address}:8080/repository":
            local_addresses.cache_clear()  # it reads the addresses once: read them again
            if address not in local_addresses():
                continue  # a lab's bridge that went away meanwhile (another test run on this machine)
        assert got == f"http://{address}:8080/repository"
