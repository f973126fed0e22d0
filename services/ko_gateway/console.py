"""Serving the built console (``frontend/dist``) at ``/``, with SPA fallback to index.html.

The console is a few MB of files, asked for ~30 at a time when a browser opens it. Each file is read
once and kept in memory with its gzip form, and answered in one piece: no thread hop per 64 KB
chunk as with a streamed file, so a cold page's files all arrive while the browser is still parsing
the first ones. The build writes ``<file>.gz`` next to each asset (frontend/scripts/compress.ts);
a file without one is compressed here on first use. A file is read again when its size or mtime
changes (a rebuild), so nothing needs restarting.

Hashed files under ``/assets/`` are cached by browsers for a year; everything else, index.html
first, is revalidated on every load (``no-cache`` with an ETag, answered 304 when unchanged).

index.html is answered per page: the build's ``route-chunks.json`` lists, for each page path, the
chunks that page needs beyond the entry (frontend/scripts/route-preload.ts), and the links that
preload them go in at the placeholder comment of index.html's head. The browser then fetches the
page's code together with the entry instead of after evaluating it (~0.5 s later on a 2-core
machine). Without the file (an older build), index.html is served as it is.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

NOT_BUILT = """<!doctype html><html><head><meta charset="utf-8"><title>KubeOperator</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>KubeOperator</h1><p>The API is running. The web console has not been built on this machine:
run <code>make run</code> from the source tree (it builds it), or set <code>KO_CONSOLE_DIR</code>.</p>
<p>API documentation: <a href="/api/v1/docs">/api/v1/docs</a> · health: <a href="/api/v1/health">/api/v1/health</a></p>
</body></html>"""

# Set here, not from the system's mime.types (absent on minimal hosts): browsers refuse a module
# script served with any type but JavaScript's.
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
    ".gz": "application/gzip",
}
COMPRESSIBLE = {".html", ".js", ".mjs", ".css", ".json", ".map", ".svg", ".txt"}
MIN_COMPRESS = 1024  # smaller files gain nothing from gzip
MAX_CACHED = 16 * 1024 * 1024  # a larger file (none in a normal build) is streamed from disk instead
ROUTE_TABLE = "route-chunks.json"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CachedFile:
    stamp: tuple[int, int]  # size, mtime_ns of the file when read
    body: bytes
    gzipped: bytes | None
    etag: str
    media_type: str


class ConsoleFiles:
    """Files under ``root`` by relative path, read once per version and kept with their gzip form."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._files: dict[Path, CachedFile] = {}
        self._pages: dict[tuple[str, str, tuple[str, ...]], CachedFile] = {}
        self._parsed_tables: dict[str, tuple[str, list[tuple[re.Pattern[str], list[str]]]] | None] = {}
        self._lock = threading.Lock()

    def resolve(self, relative: str) -> Path | None:
        """The file at ``relative`` inside the root, or None (missing, a directory, or outside the root)."""
        if not relative:
            return None
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    def cached(self, path: Path) -> CachedFile | None:
        """The file as kept, if it has not changed on disk since (one stat, no read)."""
        cached = self._files.get(path)
        if cached is None:
            return None
        st = path.stat()
        return cached if cached.stamp == (st.st_size, st.st_mtime_ns) else None

    def load(self, path: Path) -> CachedFile | None:
        """Reads (and compresses) the file and keeps it; None if it is too large to keep."""
        st = path.stat()
        if st.st_size > MAX_CACHED:
            return None
        stamp = (st.st_size, st.st_mtime_ns)
        body = path.read_bytes()
        suffix = path.suffix.lower()
        entry = _make_cached(stamp, body, suffix, lambda: self._prebuilt_gzip(path, body))
        after = path.stat()
        if (after.st_size, after.st_mtime_ns) == stamp:  # not rewritten while being read
            with self._lock:
                self._files[path] = entry
        return entry

    def page_index(self, url_path: str) -> CachedFile | None:
        """index.html with the preload links of the page at ``url_path`` (None: serve the file as is)."""
        index = self.root / "index.html"
        table_path = self.root / ROUTE_TABLE
        base = self.cached(index) or self.load(index)
        if base is None or not table_path.is_file():
            return None
        table = self.cached(table_path) or self.load(table_path)
        if table is None:
            return None
        routes = self._routes(table)
        if routes is None:
            return None
        placeholder, patterns = routes
        files = next((chunks for pattern, chunks in patterns if pattern.match(url_path)), [])
        key = (base.etag, table.etag, tuple(files))
        page = self._pages.get(key)
        if page is None:
            links = "".join(f'<link rel="modulepreload" crossorigin href="{html.escape(f)}">' for f in files)
            body = base.body.replace(placeholder.encode(), links.encode(), 1)
            page = _make_cached(base.stamp, body, ".html", lambda: None)
            with self._lock:
                if len(self._pages) > 256:  # pages of older builds
                    self._pages.clear()
                self._pages[key] = page
        return page

    def _routes(self, table: CachedFile) -> tuple[str, list[tuple[re.Pattern[str], list[str]]]] | None:
        """The placeholder and the (pattern, files) of each page; None (warned once) if the file is not valid."""
        if table.etag in self._parsed_tables:
            return self._parsed_tables[table.etag]
        parsed: tuple[str, list[tuple[re.Pattern[str], list[str]]]] | None
        try:
            raw = json.loads(table.body)
            patterns = [(re.compile(str(p)), [str(f) for f in files]) for p, files in raw["routes"]]
            parsed = (str(raw["placeholder"]), patterns)
        except (ValueError, KeyError, TypeError, re.error) as exc:
            log.warning("the console's %s is not valid (%s): pages are served without preloads", ROUTE_TABLE, exc)
            parsed = None
        with self._lock:
            self._parsed_tables = {table.etag: parsed}
        return parsed

    @staticmethod
    def _prebuilt_gzip(path: Path, body: bytes) -> bytes | None:
        """The build's ``<file>.gz``, when it is of this very file (a stale one is ignored)."""
        gz = path.with_name(path.name + ".gz")
        try:
            data = gz.read_bytes()
            return data if gzip.decompress(data) == body else None
        except (OSError, EOFError, gzip.BadGzipFile):
            return None


def _make_cached(stamp: tuple[int, int], body: bytes, suffix: str, prebuilt: Callable[[], bytes | None]) -> CachedFile:
    gzipped = None
    if suffix in COMPRESSIBLE and len(body) >= MIN_COMPRESS:
        gzipped = prebuilt() or gzip.compress(body, compresslevel=6, mtime=0)
    return CachedFile(
        stamp=stamp,
        body=body,
        gzipped=gzipped,
        etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
        media_type=MEDIA_TYPES.get(suffix, "application/octet-stream"),
    )


def accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and _q_is_zero(q[2:]))
    return False


def _q_is_zero(value: str) -> bool:
    try:
        return float(value) == 0.0
    except ValueError:
        return False


def _etag_matches(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match", "")
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(",")) or header.strip() == "*"


def mount_console(app: FastAPI, console_dir: Path) -> None:
    files = ConsoleFiles(console_dir)

    async def answer(path: Path, request: Request, cache_control: str, page: CachedFile | None = None) -> Response:
        cached = page or files.cached(path) or await anyio.to_thread.run_sync(files.load, path)
        if cached is None:
            return FileResponse(path, headers={"Cache-Control": cache_control})
        headers = {"Cache-Control": cache_control, "ETag": cached.etag, "Vary": "Accept-Encoding"}
        if _etag_matches(request, cached.etag):
            return Response(status_code=304, headers=headers)
        if cached.gzipped is not None and accepts_gzip(request):
            headers["Content-Encoding"] = "gzip"
            return Response(cached.gzipped, media_type=cached.media_type, headers=headers)
        return Response(cached.body, media_type=cached.media_type, headers=headers)

    @app.get("/{path:path}", include_in_schema=False, response_model=None)
    async def console(path: str, request: Request) -> Response:
        if path.startswith("api/"):
            return HTMLResponse(
                '{"error":"not_found","detail":"No such API route."}', status_code=404, media_type="application/json"
            )
        index = files.root / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT)
        found = files.resolve(path)
        if found is not None:
            immutable = f"/{path}".startswith("/assets/")
            return await answer(found, request, "public, max-age=31536000, immutable" if immutable else "no-cache")
        page = await anyio.to_thread.run_sync(files.page_index, "/" + path)
        return await answer(index, request, "no-cache", page)
