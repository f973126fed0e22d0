"""The provider mirror: Terraform's filesystem mirror, filled from the deployment service's offline packages.

``sync_mirror`` asks the deployment service which providers its ready packages carry (``GET
/internal/terraform-providers``, signed as the provisioning service) and makes ``mirror_dir`` hold each
of them at ``<hostname>/<namespace>/<type>/<version>/<os>_<arch>/<file>`` (the unpacked layout
``terraform init -plugin-dir`` reads), so Terraform never reaches a registry. Guarantees:

- a file already there with the listed sha256 is not downloaded again (it is made executable if it is not);
- a download is written to a hidden temporary file beside its place, its size and sha256 checked, made
  0755 and renamed into place: a Terraform reading the mirror meanwhile sees the old file or the new one,
  never a part; a mismatch raises ``MirrorRefused`` naming the provider and both sums, and leaves no file;
- nothing else in ``mirror_dir`` is removed or changed (a provider no package carries any more stays);
- the listing is checked before any path is made of it (one segment per part, no ``..``, a URL path on
  the deployment service), so a bad answer cannot write outside ``mirror_dir``.

A deployment service that does not answer (or answers 5xx) is ``ko_common.errors.Unavailable``: retry later.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ko_common.errors import Unavailable
from ko_common.identity import HEADER, service_identity, sign
from ko_common.logging import log_fields

log = logging.getLogger(__name__)
PATH = "/internal/terraform-providers"
CHUNK = 1024 * 1024
_SEGMENT = re.compile(r"[a-z0-9][a-z0-9.-]{0,252}")
_VERSION = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]{1,40})?")
_PLATFORM = re.compile(r"[a-z0-9]+_[a-z0-9]+")
_FILE = re.compile(r"terraform-provider-[A-Za-z0-9._-]{1,200}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_URL_PATH = re.compile(r"/[A-Za-z0-9._~+%:@=,/-]{1,1024}")


class MirrorRefused(RuntimeError):
    """The deployment service's listing or file cannot be used; the message names the provider and the fix."""


@dataclass(frozen=True)
class Provider:
    source: str
    version: str
    platform: str
    file: str
    sha256: str
    size: int
    url: str

    @property
    def label(self) -> str:
        return f"Terraform provider {self.source} {self.version} ({self.platform})"

    @property
    def place(self) -> Path:
        return Path(*self.source.split("/"), self.version, self.platform, self.file)


def _provider(entry: Any, i: int) -> Provider:
    try:
        p = Provider(**{k: entry[k] for k in ("source", "version", "platform", "file", "sha256", "size", "url")})
    except (TypeError, KeyError) as exc:
        raise MirrorRefused(f"The deployment service's provider listing, entry {i}, lacks {exc}") from exc
    host_ns_type = p.source.split("/") if isinstance(p.source, str) else []
    checks = {
        "source": len(host_ns_type) == 3 and all(_SEGMENT.fullmatch(s) and s.strip(".") == s for s in host_ns_type),
        "version": isinstance(p.version, str) and _VERSION.fullmatch(p.version),
        "platform": isinstance(p.platform, str) and _PLATFORM.fullmatch(p.platform),
        "file": isinstance(p.file, str) and _FILE.fullmatch(p.file) and ".." not in p.file,
        "sha256": isinstance(p.sha256, str) and _SHA256.fullmatch(p.sha256),
        "size": isinstance(p.size, int) and p.size >= 0,
        "url": isinstance(p.url, str) and _URL_PATH.fullmatch(p.url) and "//" not in p.url and "/../" not in p.url,
    }
    bad = [f"{k} {getattr(p, k)!r}" for k, ok in checks.items() if not ok]
    if bad:
        raise MirrorRefused(f"The deployment service's provider listing, entry {i}, is not usable: {', '.join(bad)}")
    return p


def _sha256_of(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    return digest.hexdigest()


def _present(target: Path, want: str) -> bool:
    """The file is there with the listed bytes (made executable if it was not)."""
    if not target.is_file() or _sha256_of(target) != want:
        return False
    if target.stat().st_mode & 0o777 != 0o755:
        target.chmod(0o755)
    return True


async def _listing(http: httpx.AsyncClient, base: str, identity_key: bytes) -> list[Provider]:
    headers = {HEADER: sign(service_identity("provisioning"), identity_key, "deployment")}
    try:
        r = await http.get(base + PATH, headers=headers)
    except httpx.HTTPError as exc:
        raise Unavailable(f"The deployment service is not reachable ({type(exc).__name__}): retry shortly.") from exc
    if r.status_code >= 500:
        raise Unavailable(f"The deployment service answered {r.status_code} for its provider listing: retry shortly.")
    if r.status_code != 200:
        raise MirrorRefused(
            f"The deployment service refused the provider listing ({r.status_code}: {r.text[:300]}): check that "
            "this service and it share the identity key and that its URL is the deployment service's."
        )
    try:
        entries = r.json()["providers"]
    except (ValueError, KeyError, TypeError) as exc:
        raise MirrorRefused("The deployment service's provider listing is not the expected JSON") from exc
    if not isinstance(entries, list):
        raise MirrorRefused("The deployment service's provider listing is not a list")
    return [_provider(e, i) for i, e in enumerate(entries)]


async def _download(http: httpx.AsyncClient, base: str, p: Provider, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # Hidden: Terraform takes only files named terraform-provider-<type>... from the mirror.
    part = target.with_name(f".{p.file}.{secrets.token_hex(6)}.partial")
    digest, size = hashlib.sha256(), 0
    try:
        try:
            async with http.stream("GET", base + p.url) as r:
                if r.status_code != 200:
                    raise Unavailable(
                        f"{p.label}: the deployment service answered {r.status_code} for {p.url} (its package may "
                        "have been deleted or replaced meanwhile): retry."
                    )
                with part.open("wb") as out:
                    async for chunk in r.aiter_bytes(CHUNK):
                        size += len(chunk)
                        if size > p.size:
                            break  # already too long: no point reading to the end
                        digest.update(chunk)
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
        except httpx.HTTPError as exc:
            raise Unavailable(f"{p.label}: the download of {p.url} broke ({type(exc).__name__}): retry.") from exc
        got = digest.hexdigest()
        if size != p.size or got != p.sha256:
            what = f"{size} bytes" if size <= p.size else f"more than {p.size} bytes"
            raise MirrorRefused(
                f"{p.label}: {p.url} on the deployment service has sha256 {got if size <= p.size else '(not read)'} "
                f"({what}), the listing says sha256 {p.sha256} ({p.size} bytes): the repository's copy is damaged; "
                "import its offline package again. Nothing was put into the mirror."
            )
        part.chmod(0o755)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


async def sync_mirror(deployment_url: str, identity_key: bytes, mirror_dir: Path) -> Path:
    """Make ``mirror_dir`` hold every provider of the deployment service's ready packages; returns it."""
    base = deployment_url.rstrip("/")
    mirror_dir.mkdir(parents=True, exist_ok=True)
    async with httpx.AsyncClient(timeout=httpx.Timeout(120.0, connect=10.0), trust_env=False) as http:
        for p in await _listing(http, base, identity_key):
            target = mirror_dir / p.place
            if await asyncio.to_thread(_present, target, p.sha256):
                continue
            await _download(http, base, p, target)
            log.info("terraform provider mirrored", extra=log_fields(provider=p.label, path=str(target)))
    return mirror_dir
