"""Subjects come only from the event specs: nothing else in the services spells one, and the streams keep them."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from ko_common.bus import stream_configs
from ko_common.events import OPERATION_EVENTS, REGISTRY
from ko_deployment.operations import events as operation_events
from ko_tools.asyncapi import load_services

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"
DECLARATIONS = ("event_spec", "Channel")  # the calls whose first argument may spell a subject
SUBJECT = re.compile(r"ko(\.([a-z0-9_]+|\*|>|\{id\}))+")
TYPE = re.compile(r"kubeoperator(\.[a-z0-9_-]+)+\.v\d+")
STREAMS = "ko_common/bus.py"  # the streams hold families of subjects, some of services that emit nothing yet


def _covers(pattern: str, subject: str) -> bool:
    """Whether the NATS ``pattern`` takes every subject ``subject`` (which may hold ``*``) stands for."""
    want, have = pattern.split("."), subject.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return len(have) > i
        if i >= len(have) or (token != "*" and token != have[i]) or (token != "*" and have[i] == "*"):
            return False
    return len(want) == len(have)


def _literals(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(line, text, declares) of every string literal, and of the literal start of every f-string, in ``path``."""
    tree = ast.parse(path.read_text(), str(path))
    declared = {
        id(node.args[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) in DECLARATIONS
        and node.args
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            # A declaration may build its subject (the engine's channels, from the service's name).
            yield node.lineno, f"{node.values[0].value}{{…}}", id(node) in declared
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value, id(node) in declared


def _service_files() -> list[Path]:
    return [p for p in sorted(SERVICES_DIR.rglob("*.py")) if "migrations" not in p.parts]


def test_no_subject_is_spelled_outside_a_spec() -> None:
    load_services()
    subjects = [spec.subject_filter for spec in REGISTRY.values()]
    found = []
    for path in _service_files():
        where = str(path.relative_to(SERVICES_DIR))
        for line, text, declares in _literals(path):
            if text.endswith("{…}") and re.match(r"ko\.[a-z]", text) and not declares:
                found.append(f"{where}:{line} builds the subject {text!r}")
            elif SUBJECT.fullmatch(text) and not declares:
                wildcard = "*" in text or ">" in text
                if not wildcard:
                    found.append(f"{where}:{line} spells the subject {text!r}: use its spec's subject_for()")
                elif where != STREAMS and not any(_covers(text, s) for s in subjects):
                    found.append(f"{where}:{line} filters on {text!r}, which no event spec has")
            elif TYPE.fullmatch(text) and text not in REGISTRY:
                found.append(f"{where}:{line} names the event type {text!r}, which no event spec declares")
    assert found == []


def test_each_spec_is_kept_by_its_stream_and_no_other() -> None:
    load_services()
    streams = {cfg.name: cfg.subjects or [] for cfg in stream_configs()}
    for type_, spec in REGISTRY.items():
        keepers = {name for name, patterns in streams.items() if any(_covers(p, spec.subject_filter) for p in patterns)}
        assert keepers == {spec.stream}, type_


def test_the_operation_subjects_are_the_specs() -> None:
    assert operation_events.TASK_EVENT.subject == OPERATION_EVENTS.subject
    assert operation_events.TASK_EVENT.stream == OPERATION_EVENTS.stream == "KO_OPERATION_EVENTS"
    assert operation_events.TASK_EVENT.subject_for("op-1") == "ko.deployment.operation.op-1.event"
    assert operation_events.CANCEL.subject_for("op-1") == "ko.deployment.operation.op-1.cancel"
    assert operation_events.JOB.subject_for("db1") == "ko.jobs.deployment.db1.operation"
    assert OPERATION_EVENTS.subject_filter == "ko.deployment.operation.*.event"


def test_covers() -> None:
    assert _covers("ko.>", "ko.gateway.user.created")
    assert _covers("ko.deployment.*.*", "ko.deployment.cluster.created")
    assert not _covers("ko.deployment.*.*", "ko.deployment.operation.*.event")
    assert _covers("ko.deployment.operation.*.event", "ko.deployment.operation.*.event")
    assert not _covers("ko.deployment.operation.x.event", "ko.deployment.operation.*.event")
    assert not _covers("ko.jobs.>", "ko.jobs")


def _overlap(a: str, b: str) -> bool:
    """Whether some subject matches both NATS patterns (JetStream refuses streams that overlap)."""
    x, y = a.split("."), b.split(".")
    for i in range(max(len(x), len(y))):
        if (i < len(x) and x[i] == ">") or (i < len(y) and y[i] == ">"):
            return True
        if i >= len(x) or i >= len(y):
            return False
        if x[i] != y[i] and "*" not in (x[i], y[i]):
            return False
    return True


def test_no_two_streams_overlap() -> None:
    """NATS refuses a stream whose subjects overlap another's, and the services then never get ready."""
    configs = stream_configs()
    for i, first in enumerate(configs):
        for second in configs[i + 1 :]:
            clashes = [(p, q) for p in first.subjects or [] for q in second.subjects or [] if _overlap(p, q)]
            assert clashes == [], (first.name, second.name)
    assert _overlap("ko.jobs.>", "ko.*.operation.*.event") and not _overlap("ko.a.*.*", "ko.a.operation.*.event")
