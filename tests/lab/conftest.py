"""The `lab` fixture: real hosts for the whole session, always torn down (also when a test fails)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.lab.lab import Lab


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """`KO_LAB_HOSTS` hosts (3 by default) on bridge kolab0, 10.213.0.0/24. Tests using it carry `@pytest.mark.lab`."""
    the_lab = Lab(int(os.environ.get("KO_LAB_HOSTS", "3")))
    try:
        the_lab.up()
        yield the_lab
    finally:
        the_lab.down()
    left = {k: v for k, v in the_lab.leftovers().items() if v}
    assert not left, f"the lab left things behind: {left}"
