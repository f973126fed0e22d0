"""Getting each artifact of a build plan: from a local file, the cache, the network, or a registry.

Guarantees: nothing enters a package unverified. A download must have a sha256 and is refused on
a mismatch (the message names the artifact, the expected and the actual sha256); a local file is
checked too when the versions file gives its sha256. Downloads land in a cache addressed by
content (``<cache>/sha256/<hex>``), so a second build downloads nothing; a failed or interrupted
download is retried from the start (no resume: a partial file is never trusted) and never left in
the cache. Images are copied with skopeo from ``docker://`` sources by digest (the tag is resolved
once, and checked against a pinned digest) into docker-archive files, the format ``ctr images
import`` names by their tag; they are cached by name, tag, digest and arch. Progress goes to stderr.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from ko_deployment.packages.build import BuildError, sha256_of
from ko_deployment.packages.versions import PlannedFile, PlannedImage

CHUNK = 1024 * 1024
RETRIES = 3
SKOPEO_TIMEOUT = 1800


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def link_or_copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


class Fetcher:
    """Fetches the artifacts of one build into a work directory."""

    def __init__(
        self,
        cache: Path,
        *,
        source_dirs: list[Path] | None = None,
        offline: bool = False,
        proxy: str | None = None,
        insecure_registries: list[str] | None = None,
        say: Callable[[str], None] = _say,
    ) -> None:
        self.cache = cache
        self.source_dirs = source_dirs or []
        self.offline = offline
        self.proxy = proxy
        self.insecure = set(insecure_registries or [])
        self.say = say
        self._client: httpx.Client | None = None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    # Files -----------------------------------------------------------------------------------------

    def find_local(self, item: PlannedFile) -> Path | None:
        """The explicit ``file``, else a file of the same name in a --source-dir (URL's or path's name)."""
        if item.local is not None:
            return item.local
        names = [n for n in (item.url.rsplit("/", 1)[-1] if item.url else None, item.path.rsplit("/", 1)[-1]) if n]
        for directory in self.source_dirs:
            for name in names:
                if (directory / name).is_file():
                    return directory / name
        return None

    def preflight(self, item: PlannedFile) -> str | None:
        """What makes ``item`` impossible to fetch, found before anything is fetched."""
        local = self.find_local(item)
        if item.local is not None and not item.local.is_file():
            return f"{item.where}.file: {item.local} does not exist"
        if local is not None:
            return None
        if item.sha256 and self._cached(item.sha256).is_file():
            return None
        if self.offline:
            dirs = ", ".join(str(d) for d in self.source_dirs) or "no --source-dir given"
            return f"{item.where}: {item.path} is not in the cache nor in a source directory ({dirs}), and --offline"
        if not item.url:
            return f"{item.where}: {item.path} has neither a file nor a url"
        if not item.sha256:
            return (
                f"{item.where}.sha256: missing for {item.path}: a download must be pinned; add the sha256 "
                "upstream publishes, or give the file (file: or --source-dir)"
            )
        return None

    def fetch_file(self, item: PlannedFile, dest: Path) -> None:
        local = self.find_local(item)
        if local is not None:
            if item.sha256:
                self._check(item, local, sha256_of(local), origin=str(local))
            self.say(f"{item.path}: from {local}")
            origin = local
        else:
            assert item.sha256 and item.url  # preflight
            origin = self._cached(item.sha256)
            if origin.is_file() and sha256_of(origin) == item.sha256:
                self.say(f"{item.path}: from the cache ({item.url})")
            else:
                self._download(item, origin)
        if item.extract:
            self._extract(item, origin, dest)
        else:
            link_or_copy(origin, dest)

    def _cached(self, sha256: str) -> Path:
        return self.cache / "sha256" / sha256

    def _check(self, item: PlannedFile, path: Path, actual: str, *, origin: str) -> None:
        if item.sha256 and actual != item.sha256:
            raise BuildError(
                f"{item.path} ({item.where}) from {origin}: sha256 mismatch: expected {item.sha256}, got {actual}; "
                "the file is not the one the versions file pins: nothing was built"
            )

    def _http(self) -> httpx.Client:
        if self._client is None:
            timeout = httpx.Timeout(30.0, read=120.0)
            self._client = httpx.Client(follow_redirects=True, timeout=timeout, proxy=self.proxy, trust_env=True)
        return self._client

    def _download(self, item: PlannedFile, target: Path) -> None:
        assert item.url and item.sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
        try:
            for attempt in range(1, RETRIES + 1):
                try:
                    actual = self._get(item, tmp)
                    break
                except (httpx.TransportError, _Retryable) as exc:
                    if attempt == RETRIES:
                        raise BuildError(f"{item.path} ({item.where}): {item.url}: {exc} ({RETRIES} attempts)") from exc
                    self.say(f"{item.path}: {exc}; trying again from the start ({attempt + 1}/{RETRIES})")
                    time.sleep(attempt)
            self._check(item, tmp, actual, origin=item.url)
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)

    def _get(self, item: PlannedFile, tmp: Path) -> str:
        assert item.url
        digest, size, started, next_report = hashlib.sha256(), 0, time.monotonic(), 64 * CHUNK
        self.say(f"{item.path}: downloading {item.url}")
        with self._http().stream("GET", item.url) as response:
            if response.status_code == 429 or response.status_code >= 500:
                raise _Retryable(f"HTTP {response.status_code}")
            if response.status_code >= 400:
                raise BuildError(f"{item.path} ({item.where}): {item.url} answered HTTP {response.status_code}")
            total = int(response.headers.get("content-length") or 0)
            with tmp.open("wb") as out:
                for chunk in response.iter_bytes(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    if size >= next_report:
                        of = f" of {total >> 20}" if total else ""
                        self.say(f"{item.path}: {size >> 20}{of} MiB")
                        next_report += 64 * CHUNK
        self.say(f"{item.path}: {size} bytes in {time.monotonic() - started:.1f}s")
        return digest.hexdigest()

    def _extract(self, item: PlannedFile, archive: Path, dest: Path) -> None:
        assert item.extract
        try:
            with tarfile.open(archive, "r:*") as tar:
                members = [m for m in tar.getmembers() if m.isfile()]
                member = next((m for m in members if m.name.removeprefix("./") == item.extract), None)
                if member is None:
                    names = [m.name for m in members]
                    shown = ", ".join(names[:8]) + (" ..." if len(names) > 8 else "")
                    raise BuildError(
                        f"{item.where}.extract: {item.extract} is not in {archive.name} (it holds {shown})"
                    )
                source = tar.extractfile(member)
                assert source is not None
                dest.parent.mkdir(parents=True, exist_ok=True)
                with source, dest.open("wb") as out:
                    shutil.copyfileobj(source, out, CHUNK)
        except tarfile.TarError as exc:
            raise BuildError(f"{item.where}.extract: {archive.name} is not a readable tar archive: {exc}") from exc
        dest.chmod(0o755 if item.path.startswith("bin/") else 0o644)

    # Images ----------------------------------------------------------------------------------------

    def preflight_image(self, item: PlannedImage, arch: str) -> str | None:
        if item.local is not None:
            return None if item.local.is_file() else f"{item.where}.file: {item.local} does not exist"
        if self._local_image(item) is not None:
            return None
        if self.offline and not (item.digest and self._image_cache(item, item.digest, arch).is_file()):
            return (
                f"{item.where}: image {item.name}:{item.tag} is not in the cache nor a source directory, and --offline"
            )
        if not self.offline and shutil.which("skopeo") is None:
            return f"{item.where}: copying {item.source} needs skopeo (apt-get install skopeo)"
        return None

    def _local_image(self, item: PlannedImage) -> Path | None:
        if item.local is not None:
            return item.local
        name = item.path.rsplit("/", 1)[-1]
        return next((d / name for d in self.source_dirs if (d / name).is_file()), None)

    def _image_cache(self, item: PlannedImage, digest: str, arch: str) -> Path:
        key = hashlib.sha256(f"{item.name}:{item.tag}@{digest} {arch}".encode()).hexdigest()
        return self.cache / "images" / f"{key}.tar"

    def _tls(self, ref: str, flag: str) -> list[str]:
        host = ref.removeprefix("docker://").split("/", 1)[0]
        return [f"{flag}=false"] if host in self.insecure else []

    def _skopeo(self, args: list[str], item: PlannedImage) -> bytes:
        try:
            done = subprocess.run(["skopeo", *args], capture_output=True, timeout=SKOPEO_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BuildError(f"{item.where}: skopeo {args[0]} {item.source}: {exc}") from exc
        if done.returncode != 0:
            raise BuildError(f"{item.where}: skopeo {args[0]} {item.source} failed: {done.stderr.decode().strip()}")
        return done.stdout

    def fetch_image(self, item: PlannedImage, dest: Path, arch: str) -> str | None:
        """Copy the image into ``dest``; return the source manifest's digest (None for a local archive)."""
        local = self._local_image(item)
        if local is not None:
            self.say(f"{item.path}: from {local}")
            link_or_copy(local, dest)
            return None
        digest = item.digest
        if not (digest and self._image_cache(item, digest, arch).is_file()):
            raw = self._skopeo(["inspect", "--raw", *self._tls(item.source, "--tls-verify"), item.source], item)
            actual = "sha256:" + hashlib.sha256(raw).hexdigest()
            if digest and actual != digest:
                raise BuildError(
                    f"{item.path} ({item.where}) from {item.source}: digest mismatch: expected {digest}, got {actual}"
                )
            digest = actual
        cached = self._image_cache(item, digest, arch)
        if cached.is_file():
            self.say(f"{item.path}: from the cache ({item.source}@{digest})")
        else:
            repository = item.source.rsplit(":", 1)[0] if ":" in item.source.rsplit("/", 1)[-1] else item.source
            by_digest = f"{repository.split('@', 1)[0]}@{digest}"
            self.say(f"{item.path}: copying {by_digest}")
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(f".{cached.name}.{uuid.uuid4().hex}.partial")
            try:
                args = ["copy", "--quiet", *self._tls(item.source, "--src-tls-verify")]
                args += ["--override-os", "linux", "--override-arch", arch, by_digest]
                self._skopeo([*args, f"docker-archive:{tmp}:{item.name}:{item.tag}"], item)
                tmp.replace(cached)
            finally:
                tmp.unlink(missing_ok=True)
        link_or_copy(cached, dest)
        return digest


class _Retryable(Exception):
    pass
