"""The `lab` fixture for the whole suite (registered from tests/conftest.py as a pytest plugin).

Any test may request `lab` (and mark itself `@pytest.mark.lab`, so `--no-lab` skips it): real
hosts for the whole session, always torn down when the session ends, also when a test fails.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator

import pytest

from tests.lab.lab import Lab

DEFAULT_HOSTS = 6  # the inventory's bulk-import test needs 6


def session_lab_config() -> tuple[int, str, str]:
    """Hosts, name and range of the session's lab: `KO_LAB_HOSTS` (6), `KO_LAB_NAME` (kolab0),
    `KO_LAB_SUBNET` (10.213.0.0/24). Another name and range let two test runs share the machine."""
    return (
        int(os.environ.get("KO_LAB_HOSTS", str(DEFAULT_HOSTS))),
        os.environ.get("KO_LAB_NAME", "kolab0"),
        os.environ.get("KO_LAB_SUBNET", "10.213.0.0/24"),
    )


def scratch_lab(n: int = 1) -> Lab:
    """A second lab beside the session's (name + "t", the next /24), for tests that start their own."""
    _, name, subnet = session_lab_config()
    net = ipaddress.ip_network(subnet)
    return Lab(n, name=(name + "t")[:8], subnet=str(ipaddress.ip_network((int(net.broadcast_address) + 1, 24))))


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """The session's hosts (see `session_lab_config`), with the lab's apt repository."""
    n, name, subnet = session_lab_config()
    the_lab = Lab(n, name=name, subnet=subnet)
    try:
        the_lab.up()
        yield the_lab
    finally:
        the_lab.down()
    left = {k: v for k, v in the_lab.leftovers().items() if v}
    assert not left, f"the lab left things behind: {left}"
