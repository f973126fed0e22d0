"""Sonobuoy results archives (`sonobuoy retrieve`), read per Sonobuoy's documented layout.

A results archive is a gzipped tarball holding, for each plugin, `plugins/<plugin>/sonobuoy_results.yaml`:
the tree Sonobuoy's aggregator wrote after the run (each item a name, a status passed/failed/skipped
and, for a failed test, `details.failure`; nodes and files as inner items, tests as leaves); the e2e
plugin's JUnit report is `plugins/e2e/results/global/junit_01.xml`. Each test becomes one item
(passed -> pass, failed or timeout -> fail, skipped -> skip, anything else -> warn) with its failure
message; a plugin without the tree but with a JUnit file is read from the JUnit file.

Nothing is extracted to disk and only those files are read; the archive is refused (`field="file"`,
saying why) when it is not a gzip tarball, unpacks to more than `MAX_UNPACKED` bytes, holds neither
file, or holds a file that cannot be parsed (a DTD or entities in the XML, a tree deeper or larger
than a real run's).
"""

from __future__ import annotations

import io
import tarfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml

from ko_common.errors import InvalidInput
from ko_deployment.compliance.schemas import ComplianceItem, Status

MAX_UNPACKED = 1 << 30
MAX_FILE = 64 << 20  # one results tree or JUnit file
MAX_ITEMS = 200_000
RESULTS = "sonobuoy_results.yaml"
E2E_JUNIT = "plugins/e2e/results/global/junit_01.xml"
STATUS: dict[str, Status] = {"passed": "pass", "failed": "fail", "timeout": "fail", "skipped": "skip"}
MESSAGE_LIMIT = 4000


@dataclass
class Results:
    items: list[ComplianceItem]
    junit_name: str | None
    junit: str | None
    started_at: datetime | None
    ended_at: datetime | None


def refuse(why: str) -> InvalidInput:
    return InvalidInput(f"This is not a Sonobuoy results archive we can read: {why}. Upload the tarball "
                        "`sonobuoy retrieve` wrote (YYYYmmDDHHMM_sonobuoy_<uuid>.tar.gz).", field="file")  # fmt: skip


def read(data: bytes) -> Results:
    wanted = _members(data)
    items: list[ComplianceItem] = []
    trees = {p.split("/")[1]: text for p, text in wanted.items() if p.endswith("/" + RESULTS)}
    for plugin in sorted(trees):
        items += _tree(plugin, trees[plugin])
    junit_name = E2E_JUNIT if E2E_JUNIT in wanted else next((p for p in sorted(wanted) if p.endswith(".xml")), None)
    junit = wanted.get(junit_name) if junit_name else None
    started = ended = None
    if junit is not None and junit_name is not None:
        plugin = junit_name.split("/")[1]
        tests, started, ended = _junit(plugin, junit)
        if plugin not in trees:
            items += tests
    if not items and not trees:
        raise refuse(f"it holds no plugins/<plugin>/{RESULTS} and no {E2E_JUNIT}")
    return Results(items, junit_name.rsplit("/", 1)[-1] if junit_name else None, junit, started, ended)


def _members(data: bytes) -> dict[str, str]:
    """The results trees and JUnit files of the archive, by their path inside it (a top folder dropped)."""
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")  # noqa: SIM115 - closed below
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise refuse(f"not a gzip or plain tarball ({exc})") from exc
    texts: dict[str, str] = {}
    unpacked = 0
    try:
        with archive:
            for member in archive:
                unpacked += member.size
                if unpacked > MAX_UNPACKED:
                    raise refuse(f"it unpacks to more than {MAX_UNPACKED >> 20} MiB")
                path = _relative(member.name)
                if member.isfile() and _wanted(path):
                    if member.size > MAX_FILE:
                        raise refuse(f"{path} is larger than {MAX_FILE >> 20} MiB")
                    handle = archive.extractfile(member)
                    if handle is not None:
                        texts[path] = handle.read().decode("utf-8", "replace")
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise refuse(f"the tarball is damaged ({exc})") from exc
    return texts


def _relative(name: str) -> str:
    """plugins/... whether the archive holds it at its root, under ./ or under one top folder."""
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if parts and parts[0] != "plugins" and len(parts) > 1 and parts[1] == "plugins":
        parts = parts[1:]
    return "/".join(parts)


def _wanted(path: str) -> bool:
    parts = path.split("/")
    if len(parts) == 3 and parts[0] == "plugins" and parts[2] == RESULTS:
        return True
    # A plugin's JUnit reports: plugins/<plugin>/results/global/*.xml (the e2e plugin's junit_01.xml).
    return len(parts) == 5 and parts[0] == "plugins" and parts[2:4] == ["results", "global"] and path.endswith(".xml")


def _tree(plugin: str, text: str) -> list[ComplianceItem]:
    try:
        root = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise refuse(f"plugins/{plugin}/{RESULTS} is not YAML ({exc.__class__.__name__})") from exc
    if not isinstance(root, dict):
        raise refuse(f"plugins/{plugin}/{RESULTS} is not a results tree")
    out: list[ComplianceItem] = []
    # (item, node it is under, depth); iterative: a crafted tree cannot exhaust the stack.
    top = root.get("items")
    stack: list[tuple[Any, str | None, int]] = [(c, None, 1) for c in reversed(top if isinstance(top, list) else [])]
    visited = 0
    while stack:
        item, node, depth = stack.pop()
        visited += 1
        if visited > MAX_ITEMS or depth > 10:
            raise refuse(f"plugins/{plugin}/{RESULTS} is larger or deeper than a Sonobuoy run's")
        if not isinstance(item, dict):
            continue
        meta: dict[str, Any] = item["meta"] if isinstance(item.get("meta"), dict) else {}
        if meta.get("type") == "node":
            node = str(item.get("name") or "") or node
        children = item.get("items")
        if isinstance(children, list) and children:
            stack.extend((child, node, depth + 1) for child in reversed(children))
            continue
        details: dict[str, Any] = item["details"] if isinstance(item.get("details"), dict) else {}
        status = STATUS.get(str(item.get("status") or ""), "warn")
        message = (details.get("failure") or details.get("error") or "") if status != "pass" else ""
        out.append(_item(plugin, str(item.get("name") or ""), node, status, str(message)))
    return out


def _item(plugin: str, name: str, node: str | None, status: Status, message: str) -> ComplianceItem:
    return ComplianceItem(id=name, title=name, group=plugin, node=node, status=status,
                          observed=message.strip()[:MESSAGE_LIMIT], remedy="")  # fmt: skip


def _junit(plugin: str, text: str) -> tuple[list[ComplianceItem], datetime | None, datetime | None]:
    """The tests of a JUnit report, and when its suite ran (its timestamp and time, when it says)."""
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise refuse("its JUnit file declares a DTD or entities (a JUnit report has none)")
    try:
        root = ET.fromstring(text)  # noqa: S314 - a DTD or entities were refused above: expat expands nothing
    except ET.ParseError as exc:
        raise refuse(f"its JUnit file is not XML ({exc})") from exc
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    items: list[ComplianceItem] = []
    for case in (c for s in suites for c in s.iter("testcase")):
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        if failure is not None:
            message = " ".join(t for t in (failure.get("message") or "", failure.text or "") if t)
            items.append(_item(plugin, case.get("name") or "", None, "fail", message))
        else:
            items.append(_item(plugin, case.get("name") or "", None, "skip" if case.find("skipped") is not None
                               else "pass", ""))  # fmt: skip
    started = ended = None
    stamp = suites[0].get("timestamp") if suites else None
    if stamp:
        try:
            started = datetime.fromisoformat(stamp)
            started = started if started.tzinfo else started.replace(tzinfo=UTC)
            ended = started + timedelta(seconds=float(suites[0].get("time") or 0))
        except ValueError:
            started = ended = None
    return items, started, ended
