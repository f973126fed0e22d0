"""The headers of .rpm files, read in pure Python (the deployment server needs no rpm tools).

An .rpm is a 96-byte lead, a signature header padded to a multiple of 8 bytes, the main header,
then the compressed payload, which is never read here. A header is a magic, the number of index
entries and the size of its data store, the entries (tag, type, offset, count: 4 big-endian
32-bit words each) and the store. Only the tags the yum metadata needs are decoded
(docs/offline-package.md, "How nodes use it").
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ko_deployment.packages.indexes import IndexProblem

LEAD_MAGIC = b"\xed\xab\xee\xdb"
HEADER_MAGIC = b"\x8e\xad\xe8\x01"
LEAD_SIZE = 96
HEADER_SIGNATURE_TYPE = 5  # the lead's signature type: a header structure (every rpm since 1998)
# rpm's own limits on a header (hdrchkTags, hdrchkData): beyond them the file is damaged or hostile.
MAX_ENTRIES = 0xFFFF
MAX_STORE = 256 * 1024 * 1024

# Index entry types.
CHAR, INT8, INT16, INT32, INT64, STRING, BIN, STRING_ARRAY, I18NSTRING = range(1, 10)
_INT_FORMATS = {CHAR: "B", INT8: "B", INT16: "H", INT32: "I", INT64: "Q"}

# Signature header tags.
SIG_LONGARCHIVESIZE = 271
SIG_PAYLOADSIZE = 1007

# Main header tags (rpmtag.h).
NAME, VERSION, RELEASE, EPOCH, SUMMARY, DESCRIPTION, BUILDTIME, BUILDHOST = range(1000, 1008)
SIZE = 1009
VENDOR = 1011
LICENSE = 1014
PACKAGER = 1015
GROUP = 1016
URL = 1020
ARCH = 1022
OLDFILENAMES = 1027
FILEMODES = 1030
FILEFLAGS = 1037
SOURCERPM = 1044
ARCHIVESIZE = 1046
CHANGELOGTIME, CHANGELOGNAME, CHANGELOGTEXT = 1080, 1081, 1082
SOURCEPACKAGE = 1106
DIRINDEXES, BASENAMES, DIRNAMES = 1116, 1117, 1118
LONGSIZE = 5009

# Dependency kinds as the yum metadata names them -> (name, flags, version) tags.
DEPENDENCY_TAGS: dict[str, tuple[int, int, int]] = {
    "provides": (1047, 1112, 1113),
    "requires": (1049, 1048, 1050),
    "conflicts": (1054, 1053, 1055),
    "obsoletes": (1090, 1114, 1115),
    "suggests": (5049, 5051, 5050),
    "enhances": (5055, 5057, 5056),
    "recommends": (5046, 5048, 5047),
    "supplements": (5052, 5054, 5053),
}
REPLACE_IT = "download the .rpm again and build the offline package again"
FILE_GHOST = 1 << 6  # RPMFILE_GHOST: listed, not shipped (e.g. a log file the package creates)


@dataclass(frozen=True)
class Dependency:
    name: str
    flags: int  # RPMSENSE_* bits: LESS 2, GREATER 4, EQUAL 8, PREREQ 64, SCRIPT_PRE 512, SCRIPT_POST 1024 ...
    version: str  # [epoch:]version[-release], empty when unversioned


@dataclass(frozen=True)
class FileEntry:
    path: str
    mode: int
    flags: int


@dataclass(frozen=True)
class Changelog:
    time: int
    author: str
    text: str


@dataclass(frozen=True)
class RpmPackage:
    """What one .rpm says about itself, as the yum metadata needs it."""

    name: str
    epoch: int | None
    version: str
    release: str
    arch: str
    summary: str
    description: str
    packager: str
    url: str
    build_time: int
    license: str
    vendor: str
    group: str
    buildhost: str
    sourcerpm: str
    installed_size: int
    archive_size: int
    header_start: int
    header_end: int
    files: list[FileEntry] = field(default_factory=list)
    dependencies: dict[str, list[Dependency]] = field(default_factory=dict)
    changelogs: list[Changelog] = field(default_factory=list)  # as in the header: newest first

    @property
    def evr(self) -> str:
        """``[epoch:]version-release``, as rpm and dnf write it (the epoch only when the package has one)."""
        prefix = f"{self.epoch}:" if self.epoch is not None else ""
        return f"{prefix}{self.version}-{self.release}"


class _Header:
    def __init__(self, file_name: str, which: str, entries: dict[int, tuple[int, int, int]], store: bytes) -> None:
        self.file_name, self.which, self.entries, self.store = file_name, which, entries, store

    def damaged(self, tag: int, why: str) -> IndexProblem:
        return IndexProblem(
            f"{self.file_name} is not a valid rpm package: tag {tag} of its {self.which} header {why} "
            f"(the file is damaged: {REPLACE_IT})"
        )

    def has(self, tag: int) -> bool:
        return tag in self.entries

    def strings(self, tag: int) -> list[str]:
        """A string tag's values (one for STRING, the untranslated one first for I18NSTRING)."""
        if tag not in self.entries:
            return []
        kind, offset, count = self.entries[tag]
        if kind not in (STRING, STRING_ARRAY, I18NSTRING):
            raise self.damaged(tag, f"should hold text but has type {kind}")
        if kind == STRING:
            count = 1
        if count > len(self.store):
            raise self.damaged(tag, "claims more strings than its header holds")
        out, pos = [], offset
        for _ in range(count):
            end = self.store.find(b"\0", pos)
            if pos > len(self.store) or end < 0:
                raise self.damaged(tag, "runs past the end of its header")
            out.append(_text(self.store[pos:end]))
            pos = end + 1
        return out

    def string(self, tag: int) -> str:
        values = self.strings(tag)
        return values[0] if values else ""

    def integers(self, tag: int) -> list[int]:
        if tag not in self.entries:
            return []
        kind, offset, count = self.entries[tag]
        fmt = _INT_FORMATS.get(kind)
        if fmt is None:
            raise self.damaged(tag, f"should hold numbers but has type {kind}")
        width = struct.calcsize(fmt)
        if offset + width * count > len(self.store):
            raise self.damaged(tag, "runs past the end of its header")
        return list(struct.unpack_from(f">{count}{fmt}", self.store, offset))

    def integer(self, tag: int) -> int | None:
        values = self.integers(tag)
        return values[0] if values else None


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # old packages carry Latin-1 changelogs and descriptions
        return raw.decode("latin-1")


def _read_exactly(fh: BinaryIO, size: int, file_name: str, what: str) -> bytes:
    data = fh.read(size)
    if len(data) != size:
        raise IndexProblem(
            f"{file_name} is not a valid rpm package: it ends inside its {what} (the file is truncated: {REPLACE_IT})"
        )
    return data


def _read_header(fh: BinaryIO, file_name: str, which: str) -> tuple[_Header, int]:
    intro = _read_exactly(fh, 16, file_name, f"{which} header")
    if intro[:4] != HEADER_MAGIC:
        raise IndexProblem(
            f"{file_name} is not a valid rpm package: its {which} header does not start with the header magic "
            f"(the file is damaged: {REPLACE_IT})"
        )
    count, size = struct.unpack(">II", intro[8:16])
    if not 0 < count <= MAX_ENTRIES or size > MAX_STORE:
        raise IndexProblem(
            f"{file_name} is not a valid rpm package: its {which} header claims {count} entries and "
            f"{size} bytes, more than rpm reads (the file is damaged or not an rpm)"
        )
    index = _read_exactly(fh, 16 * count, file_name, f"{which} header")
    store = _read_exactly(fh, size, file_name, f"{which} header")
    entries: dict[int, tuple[int, int, int]] = {}
    for tag, kind, offset, n in struct.iter_unpack(">iIII", index):
        if offset > size:
            raise IndexProblem(
                f"{file_name} is not a valid rpm package: tag {tag} of its {which} header points outside it "
                f"(the file is damaged: {REPLACE_IT})"
            )
        entries.setdefault(tag, (kind, offset, n))
    return _Header(file_name, which, entries, store), 16 + 16 * count + size


def read_rpm(path: Path) -> RpmPackage:
    """The header of the .rpm at ``path``; IndexProblem naming the file when it is not a valid rpm."""
    name = path.name
    with path.open("rb") as fh:
        lead = fh.read(LEAD_SIZE)
        if len(lead) < LEAD_SIZE or lead[:4] != LEAD_MAGIC:
            raise IndexProblem(f"{name} is not an rpm package (it does not start with the rpm lead): {REPLACE_IT}")
        lead_type, sig_type = struct.unpack(">H", lead[6:8])[0], struct.unpack(">H", lead[78:80])[0]
        if sig_type != HEADER_SIGNATURE_TYPE:
            raise IndexProblem(
                f"{name} has signature type {sig_type}, an rpm format older than rpm 3 that no current "
                "dnf or yum installs: use the distribution's current package"
            )
        signature, sig_size = _read_header(fh, name, "signature")
        padding = (8 - sig_size % 8) % 8
        _read_exactly(fh, padding, name, "signature header")
        start = LEAD_SIZE + sig_size + padding
        header, size = _read_header(fh, name, "main")
    for tag, what in ((NAME, "name"), (VERSION, "version"), (RELEASE, "release")):
        if not header.string(tag):
            raise IndexProblem(f"{name} is not a valid rpm package: its header has no {what}")
    source = lead_type == 1 or header.has(SOURCEPACKAGE)
    archive = header.integer(ARCHIVESIZE)
    if archive is None:
        archive = signature.integer(SIG_PAYLOADSIZE) or signature.integer(SIG_LONGARCHIVESIZE) or 0
    installed = header.integer(SIZE)
    return RpmPackage(
        name=header.string(NAME),
        epoch=header.integer(EPOCH),
        version=header.string(VERSION),
        release=header.string(RELEASE),
        arch="src" if source else header.string(ARCH),
        summary=header.string(SUMMARY),
        description=header.string(DESCRIPTION),
        packager=header.string(PACKAGER),
        url=header.string(URL),
        build_time=header.integer(BUILDTIME) or 0,
        license=header.string(LICENSE),
        vendor=header.string(VENDOR),
        group=header.string(GROUP),
        buildhost=header.string(BUILDHOST),
        sourcerpm=header.string(SOURCERPM),
        installed_size=installed if installed is not None else header.integer(LONGSIZE) or 0,
        archive_size=archive,
        header_start=start,
        header_end=start + size,
        files=_files(header),
        dependencies={kind: _dependencies(header, *tags) for kind, tags in DEPENDENCY_TAGS.items()},
        changelogs=_changelogs(header),
    )


def _files(header: _Header) -> list[FileEntry]:
    if header.has(BASENAMES):
        basenames, dirnames, indexes = header.strings(BASENAMES), header.strings(DIRNAMES), header.integers(DIRINDEXES)
        if len(indexes) != len(basenames) or any(i >= len(dirnames) for i in indexes):
            raise header.damaged(DIRINDEXES, "does not match the file names")
        paths = [dirnames[i] + base for i, base in zip(indexes, basenames, strict=True)]
    else:
        paths = header.strings(OLDFILENAMES)
    modes, flags = header.integers(FILEMODES), header.integers(FILEFLAGS)
    if len(modes) != len(paths) or len(flags) != len(paths):
        raise header.damaged(FILEMODES, "does not list one mode and one flag per file")
    return [FileEntry(p, m, f) for p, m, f in zip(paths, modes, flags, strict=True)]


def _dependencies(header: _Header, name_tag: int, flags_tag: int, version_tag: int) -> list[Dependency]:
    names = header.strings(name_tag)
    flags = header.integers(flags_tag) or [0] * len(names)
    versions = header.strings(version_tag) or [""] * len(names)
    if len(flags) != len(names) or len(versions) != len(names):
        raise header.damaged(name_tag, "does not list one flag and one version per dependency")
    return [Dependency(n, f, v) for n, f, v in zip(names, flags, versions, strict=True)]


def _changelogs(header: _Header) -> list[Changelog]:
    times, names, texts = header.integers(CHANGELOGTIME), header.strings(CHANGELOGNAME), header.strings(CHANGELOGTEXT)
    if not (len(times) == len(names) == len(texts)):
        raise header.damaged(CHANGELOGTIME, "does not list one author and one text per change")
    return [Changelog(t, n, x) for t, n, x in zip(times, names, texts, strict=True)]
