"""The yum/dnf metadata of ``rpms/``: ``repodata/`` with repomd.xml, primary, filelists and other.

What createrepo_c writes (without its optional sqlite databases, which dnf and yum do without),
from the rpm headers (rpm_header.py): the same fields, the same dependency filtering (no
``rpmlib(...)`` requires, none the package satisfies itself, only the newest ``libc.so.6(GLIBC_x)``
symbol version), the files of primary (``/etc/...``,
any ``.../bin/...``, ``/usr/lib/sendmail``) and the newest ten changelog entries. The output is
deterministic so that importing the same package twice writes the same bytes: packages sorted by
file name, gzip without a timestamp, and where createrepo_c writes the clock (the file time of a
package, the timestamps in repomd.xml) a build time: the package's, the newest package's.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ko_deployment.packages.indexes import Digests
from ko_deployment.packages.rpm_header import FILE_GHOST, Dependency, RpmPackage, read_rpm

REPODATA = "repodata"
CHANGELOG_LIMIT = 10  # createrepo_c's default
_COMMON = "http://linux.duke.edu/metadata/common"
_RPM_NS = "http://linux.duke.edu/metadata/rpm"
_FLAGS = {2: "LT", 4: "GT", 8: "EQ", 10: "LE", 12: "GE"}
_PRE = (1 << 6) | (1 << 9) | (1 << 10)  # RPMSENSE_PREREQ, SCRIPT_PRE, SCRIPT_POST: needed before install
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class _Entry:
    rpm: RpmPackage
    href: str
    digests: Digests


def _text(value: str) -> str:
    value = _NOT_XML.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str | int) -> str:
    text = _text(str(value)).replace('"', "&quot;")
    return text.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")


def _element(name: str, value: str) -> str:
    return f"<{name}>{_text(value)}</{name}>"


def is_primary_file(path: str) -> bool:
    """The files listed in primary (the ones dependencies name), as createrepo_c and dnf agree."""
    return path.startswith("/etc/") or "bin/" in path or path == "/usr/lib/sendmail"


def _evr(version: str) -> tuple[str, str, str]:
    """``[epoch:]version[-release]`` split; the epoch is 0 when not written."""
    epoch, sep, rest = version.partition(":")
    if not sep or not epoch.isdigit():
        epoch, rest = "0", version
    ver, _, rel = rest.partition("-")
    return epoch, ver, rel


def rpmvercmp(a: str, b: str) -> int:
    """rpm's version comparison: -1, 0 or 1 (segments of digits or letters; ~ sorts before all, ^ after)."""
    if a == b:
        return 0
    i = j = 0
    while i < len(a) or j < len(b):
        while i < len(a) and not _alnum(a[i]) and a[i] not in "~^":
            i += 1
        while j < len(b) and not _alnum(b[j]) and b[j] not in "~^":
            j += 1
        ca, cb = a[i : i + 1], b[j : j + 1]
        if ca == "~" or cb == "~":
            if ca != "~":
                return 1
            if cb != "~":
                return -1
            i, j = i + 1, j + 1
            continue
        if ca == "^" or cb == "^":
            if not ca:
                return -1
            if not cb:
                return 1
            if ca != "^":
                return 1
            if cb != "^":
                return -1
            i, j = i + 1, j + 1
            continue
        if not (ca and cb):
            break
        kind = str.isdigit if ca.isdigit() else _alpha
        start_a, start_b = i, j
        while i < len(a) and a[i].isascii() and kind(a[i]):
            i += 1
        while j < len(b) and b[j].isascii() and kind(b[j]):
            j += 1
        seg_a, seg_b = a[start_a:i], b[start_b:j]
        if not seg_b:
            return 1 if kind is str.isdigit else -1
        if kind is str.isdigit:
            seg_a, seg_b = seg_a.lstrip("0"), seg_b.lstrip("0")
            if len(seg_a) != len(seg_b):
                return 1 if len(seg_a) > len(seg_b) else -1
        if seg_a != seg_b:
            return 1 if seg_a > seg_b else -1
    if i >= len(a) and j >= len(b):
        return 0
    return -1 if i >= len(a) else 1


def _alpha(c: str) -> bool:
    return c.isascii() and c.isalpha()


def _alnum(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _libc_version(name: str) -> str | None:
    """The version in ``libc.so.6(GLIBC_2.34)(64bit)``: 2.34; None when the parentheses hold none."""
    opening = name.find("(")
    closing = name.find(")", opening) if opening >= 0 else -1
    if opening < 0 or closing < 0:
        return None
    digits = re.search(r"\d", name[opening + 1 : closing])
    return name[opening + 1 + digits.start() : closing] if digits else None


def _newer_libc(current: str, other: str) -> bool:
    """Whether ``other`` names a newer libc.so.6 version than ``current`` (createrepo_c's comparison)."""
    mine, theirs = _libc_version(current), _libc_version(other)
    if theirs is None:
        return False
    return mine is None or rpmvercmp(mine, theirs) < 0


def _dependencies(rpm: RpmPackage) -> dict[str, list[tuple[Dependency, bool]]]:
    """Each kind's entries as createrepo_c keeps them, with the pre flag of requires."""
    files = {f.path for f in rpm.files}
    provided = {d.name for d in rpm.dependencies.get("provides", [])}
    out: dict[str, list[tuple[Dependency, bool]]] = {}
    for kind, deps in rpm.dependencies.items():
        kept: list[tuple[Dependency, bool]] = []
        seen: set[tuple[str, str | None, str, bool]] = set()
        libc: tuple[Dependency, bool] | None = None
        for dep in deps:
            pre = False
            if kind == "requires":
                if dep.name.startswith("rpmlib(") or dep.name in provided:
                    continue
                if dep.name in files and is_primary_file(dep.name):
                    continue
                pre = bool(dep.flags & _PRE)
                key = (dep.name, _FLAGS.get(dep.flags & 0xF), dep.version, pre)
                if key in seen:
                    continue
                if dep.name.startswith("libc.so.6"):
                    # Only the newest glibc symbol version: it implies the older ones (as createrepo_c).
                    if libc is None or _newer_libc(libc[0].name, dep.name):
                        libc = (dep, pre)
                    continue
                seen.add(key)
            kept.append((dep, pre))
        if libc is not None:
            kept.append(libc)
        out[kind] = kept
    return out


def _dependency_xml(kind: str, entries: list[tuple[Dependency, bool]]) -> list[str]:
    if not entries:
        return []
    lines = [f"    <rpm:{kind}>"]
    for dep, pre in entries:
        if not dep.name:
            continue
        attrs = f'name="{_attr(dep.name)}"'
        flags = _FLAGS.get(dep.flags & 0xF)
        if flags:
            attrs += f' flags="{flags}"'
            for label, value in zip(("epoch", "ver", "rel"), _evr(dep.version), strict=True):
                if value:
                    attrs += f' {label}="{_attr(value)}"'
        if pre:
            attrs += ' pre="1"'
        lines.append(f"      <rpm:entry {attrs}/>")
    lines.append(f"    </rpm:{kind}>")
    return lines


def _file_xml(rpm: RpmPackage, primary: bool, indent: str) -> list[str]:
    lines = []
    for f in rpm.files:
        if primary and not is_primary_file(f.path):
            continue
        if f.mode & 0o170000 == 0o040000:
            kind = ' type="dir"'
        elif f.flags & FILE_GHOST:
            kind = ' type="ghost"'
        else:
            kind = ""
        lines.append(f"{indent}<file{kind}>{_text(f.path)}</file>")
    return lines


def _version_xml(rpm: RpmPackage) -> str:
    epoch = rpm.epoch if rpm.epoch is not None else 0
    return f'<version epoch="{epoch}" ver="{_attr(rpm.version)}" rel="{_attr(rpm.release)}"/>'


def _primary(entry: _Entry) -> str:
    rpm, d = entry.rpm, entry.digests
    lines = [
        '<package type="rpm">',
        f"  {_element('name', rpm.name)}",
        f"  {_element('arch', rpm.arch)}",
        f"  {_version_xml(rpm)}",
        f'  <checksum type="sha256" pkgid="YES">{d.sha256}</checksum>',
        f"  {_element('summary', rpm.summary)}",
        f"  {_element('description', rpm.description)}",
        f"  {_element('packager', rpm.packager)}",
        f"  {_element('url', rpm.url)}",
        f'  <time file="{rpm.build_time}" build="{rpm.build_time}"/>',
        f'  <size package="{d.size}" installed="{rpm.installed_size}" archive="{rpm.archive_size}"/>',
        f'  <location href="{_attr(entry.href)}"/>',
        "  <format>",
        f"    {_element('rpm:license', rpm.license)}",
        f"    {_element('rpm:vendor', rpm.vendor)}",
        f"    {_element('rpm:group', rpm.group)}",
        f"    {_element('rpm:buildhost', rpm.buildhost)}",
        f"    {_element('rpm:sourcerpm', rpm.sourcerpm)}",
        f'    <rpm:header-range start="{rpm.header_start}" end="{rpm.header_end}"/>',
    ]
    deps = _dependencies(rpm)
    for kind in ("provides", "requires", "conflicts", "obsoletes", "suggests", "enhances", "recommends", "supplements"):
        lines += _dependency_xml(kind, deps.get(kind, []))
    lines += _file_xml(rpm, True, "    ")
    lines += ["  </format>", "</package>"]
    return "\n".join(lines) + "\n"


def _package_open(entry: _Entry) -> str:
    rpm = entry.rpm
    return (
        f'<package pkgid="{entry.digests.sha256}" name="{_attr(rpm.name)}" arch="{_attr(rpm.arch)}">\n'
        f"  {_version_xml(rpm)}\n"
    )


def _filelists(entry: _Entry) -> str:
    return _package_open(entry) + "".join(line + "\n" for line in _file_xml(entry.rpm, False, "  ")) + "</package>\n"


def _changelogs(rpm: RpmPackage) -> list[tuple[str, int, str]]:
    """The newest CHANGELOG_LIMIT entries, oldest first; equal dates made distinct as createrepo_c does."""
    out: list[list[str | int]] = []  # newest first while building
    for i, change in enumerate(rpm.changelogs[:CHANGELOG_LIMIT]):
        out.append([change.author.rstrip(" "), change.time, change.text])
        if i and rpm.changelogs[i - 1].time == change.time:
            # createrepo_c moves the newer entries of a run of equal dates one second forward each.
            j, when = i - 1, change.time
            while j >= 0 and out[j][1] == when:
                out[j][1] = when + 1
                when += 1
                j -= 1
    return [(str(a), int(t), str(x)) for a, t, x in reversed(out)]


def _other(entry: _Entry) -> str:
    lines = [_package_open(entry).rstrip("\n")]
    for author, date, text in _changelogs(entry.rpm):
        lines.append(f'  <changelog author="{_attr(author)}" date="{date}">{_text(text)}</changelog>')
    lines.append("</package>")
    return "\n".join(lines) + "\n"


def _document(root: str, namespaces: str, count: int, packages: list[str]) -> bytes:
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} {namespaces} packages="{count}">\n'
    return (head + "".join(packages) + f"</{root}>").encode("utf-8")  # no final newline, as createrepo_c


def write_yum_index(rpms: Path, digests: dict[str, Digests]) -> int:
    """``rpms/repodata/`` for the .rpms listed in ``digests`` (by file name); IndexProblem names a bad rpm."""
    entries = [_Entry(read_rpm(rpms / name), name, digests[name]) for name in sorted(digests)]
    when = max((e.rpm.build_time for e in entries), default=0)
    documents = {
        "primary": _document(
            "metadata",
            f'xmlns="{_COMMON}" xmlns:rpm="{_RPM_NS}"',
            len(entries),
            [_primary(e) for e in entries],
        ),
        "filelists": _document(
            "filelists",
            'xmlns="http://linux.duke.edu/metadata/filelists"',
            len(entries),
            [_filelists(e) for e in entries],
        ),
        "other": _document(
            "otherdata", 'xmlns="http://linux.duke.edu/metadata/other"', len(entries), [_other(e) for e in entries]
        ),
    }
    repodata = rpms / REPODATA
    shutil.rmtree(repodata, ignore_errors=True)
    repodata.mkdir()
    records = []
    for kind, plain in documents.items():
        packed = gzip.compress(plain, mtime=0)
        digest = hashlib.sha256(packed).hexdigest()
        href = f"{REPODATA}/{digest}-{kind}.xml.gz"
        (rpms / href).write_bytes(packed)
        records += [
            f'  <data type="{kind}">',
            f'    <checksum type="sha256">{digest}</checksum>',
            f'    <open-checksum type="sha256">{hashlib.sha256(plain).hexdigest()}</open-checksum>',
            f'    <location href="{href}"/>',
            f"    <timestamp>{when}</timestamp>",
            f"    <size>{len(packed)}</size>",
            f"    <open-size>{len(plain)}</open-size>",
            "  </data>",
        ]
    repomd = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="{_RPM_NS}">',
        f"  <revision>{when}</revision>",
        *records,
        "</repomd>",
    ]
    (repodata / "repomd.xml").write_text("\n".join(repomd) + "\n", encoding="utf-8")
    return len(entries)
