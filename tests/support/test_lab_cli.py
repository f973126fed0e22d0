"""`python -m tests.lab`'s options: `--name`/`--subnet` default to the KO_LAB_NAME/KO_LAB_SUBNET the
`lab` fixture reads, so the command and the test session name the same lab. No lab is started."""

from __future__ import annotations

import pytest

from tests.lab.__main__ import parser
from tests.lab.fixtures import session_lab_config


def test_name_and_subnet_default_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KO_LAB_NAME", "kolab7")
    monkeypatch.setenv("KO_LAB_SUBNET", "10.213.7.0/24")
    args = parser().parse_args(["down"])
    assert (args.name, args.subnet) == ("kolab7", "10.213.7.0/24")
    assert session_lab_config()[1:] == (args.name, args.subnet)
    args = parser().parse_args(["up", "--name", "kolab8", "--subnet", "10.213.8.0/24", "--hosts", "2"])
    assert (args.command, args.name, args.subnet, args.hosts) == ("up", "kolab8", "10.213.8.0/24", 2)


def test_without_the_environment_the_defaults_are_kolab0(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KO_LAB_NAME", raising=False)
    monkeypatch.delenv("KO_LAB_SUBNET", raising=False)
    args = parser().parse_args(["status"])
    assert (args.name, args.subnet, args.hosts) == ("kolab0", "10.213.0.0/24", 3)
