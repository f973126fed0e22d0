"""Serving the built console (``frontend/dist``) at ``/``, with SPA fallback to index.html."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse

NOT_BUILT = """<!doctype html><html><head><meta charset="utf-8"><title>KubeOperator</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>KubeOperator</h1><p>The API is running. The web console has not been built on this machine:
run <code>make run</code> from the source tree (it builds it), or set <code>KO_CONSOLE_DIR</code>.</p>
<p>API documentation: <a href="/api/v1/docs">/api/v1/docs</a> · health: <a href="/api/v1/health">/api/v1/health</a></p>
</body></html>"""


def mount_console(app: FastAPI, console_dir: Path) -> None:
    root = console_dir.resolve()

    @app.get("/{path:path}", include_in_schema=False, response_model=None)
    async def console(path: str, request: Request) -> FileResponse | HTMLResponse:
        if path.startswith("api/"):
            return HTMLResponse(
                '{"error":"not_found","detail":"No such API route."}', status_code=404, media_type="application/json"
            )
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT)
        candidate = (root / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(root):
            cache = "public, max-age=31536000, immutable" if "/assets/" in f"/{path}" else "no-cache"
            return FileResponse(candidate, headers={"Cache-Control": cache})
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
