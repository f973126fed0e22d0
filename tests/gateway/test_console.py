"""The gateway's serving of the built console: gzip, revalidation, SPA fallback, rebuilds."""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ko_gateway.console import mount_console

SCRIPT = b"export const answer = 42;\n" * 200  # > 1 KB: worth compressing


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>KubeOperator</title>" + "<!-- pad -->" * 200)
    (tmp_path / "assets" / "main-abc.js").write_bytes(SCRIPT)
    (tmp_path / "assets" / "main-abc.js.gz").write_bytes(gzip.compress(SCRIPT, compresslevel=9, mtime=0))
    (tmp_path / "assets" / "tiny.css").write_text("a{}")
    (tmp_path / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return tmp_path


def client(root: Path) -> TestClient:
    app = FastAPI()
    mount_console(app, root)
    return TestClient(app)


def test_assets_are_served_gzipped_to_browsers_that_accept_it(dist: Path) -> None:
    http = client(dist)
    zipped = http.get("/assets/main-abc.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["content-type"] == "text/javascript; charset=utf-8"
    assert zipped.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.content == SCRIPT  # httpx undoes the gzip
    assert int(zipped.headers["content-length"]) < len(SCRIPT) / 10

    plain = http.get("/assets/main-abc.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == SCRIPT
    refused = http.get("/assets/main-abc.js", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    small = http.get("/assets/tiny.css", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers and small.text == "a{}"
    assert small.headers["content-type"] == "text/css; charset=utf-8"
    assert http.get("/favicon.svg").headers["content-type"] == "image/svg+xml"


def test_a_file_without_its_gz_or_with_a_stale_one_is_compressed_by_the_gateway(dist: Path) -> None:
    (dist / "assets" / "main-abc.js.gz").write_bytes(gzip.compress(b"an older build"))
    (dist / "assets" / "other.js").write_bytes(SCRIPT)
    http = client(dist)
    for path in ("/assets/main-abc.js", "/assets/other.js"):
        answer = http.get(path, headers={"Accept-Encoding": "gzip"})
        assert answer.headers["content-encoding"] == "gzip"
        assert answer.content == SCRIPT


def test_index_is_revalidated_by_etag_and_every_unknown_path_gets_it(dist: Path) -> None:
    http = client(dist)
    first = http.get("/clusters/abc/operations/def")
    assert first.status_code == 200 and "KubeOperator" in first.text
    assert first.headers["cache-control"] == "no-cache"
    assert first.headers["content-type"] == "text/html; charset=utf-8"
    etag = first.headers["etag"]
    again = http.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert http.get("/", headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_a_rebuilt_file_is_read_again_without_a_restart(dist: Path) -> None:
    http = client(dist)
    before = http.get("/")
    index = dist / "index.html"
    index.write_text("<!doctype html><title>rebuilt</title>")
    stat = index.stat()
    os.utime(index, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after = http.get("/")
    assert "rebuilt" in after.text
    assert after.headers["etag"] != before.headers["etag"]


def test_paths_outside_the_console_and_api_paths_are_not_served(
    dist: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    secret = tmp_path_factory.mktemp("outside") / "secret.txt"
    secret.write_text("do not serve")
    http = client(dist)
    escaped = http.get(f"/..%2F..%2F{secret.parent.name}%2Fsecret.txt")
    assert "do not serve" not in escaped.text
    missing_api = http.get("/api/v1/nothing-here")
    assert missing_api.status_code == 404
    assert missing_api.json() == {"error": "not_found", "detail": "No such API route."}


def test_an_unbuilt_console_says_how_to_build_it(tmp_path: Path) -> None:
    page = client(tmp_path).get("/clusters")
    assert page.status_code == 200
    assert "has not been built" in page.text and "make run" in page.text


def write_route_table(root: Path) -> None:
    (root / "index.html").write_text(
        "<!doctype html><html><head><title>KubeOperator</title>\n    <!-- ko:route-preload -->\n"
        '<script type="module" src="/assets/index.js"></script></head><body>' + "<p>splash</p>" * 100 + "</body></html>"
    )
    table = {
        "placeholder": "<!-- ko:route-preload -->",
        "routes": [
            ["^/clusters/?$", ["/assets/List.js", "/assets/table.js"]],
            ["^/clusters/new/?$", ["/assets/Wizard.js"]],
            ["^/clusters/[^/]+/?$", ["/assets/Detail.js"]],
        ],
    }
    (root / "route-chunks.json").write_text(json.dumps(table))


def preloads(page: str) -> list[str]:
    return re.findall(r'<link rel="modulepreload" crossorigin href="([^"]+)">', page)


def test_index_preloads_the_chunks_of_the_page_asked_for(dist: Path) -> None:
    write_route_table(dist)
    http = client(dist)
    assert preloads(http.get("/clusters").text) == ["/assets/List.js", "/assets/table.js"]
    assert preloads(http.get("/clusters/").text) == ["/assets/List.js", "/assets/table.js"]
    assert preloads(http.get("/clusters/new").text) == ["/assets/Wizard.js"]  # the first match, as the console's router
    assert preloads(http.get("/clusters/abc").text) == ["/assets/Detail.js"]
    other = http.get("/inventory/hosts")
    assert preloads(other.text) == [] and "ko:route-preload" not in other.text
    # Each page's own ETag, and gzip like any file.
    a, b = http.get("/clusters"), http.get("/clusters/abc")
    assert a.headers["etag"] != b.headers["etag"]
    assert http.get("/clusters", headers={"If-None-Match": a.headers["etag"]}).status_code == 304
    assert http.get("/clusters", headers={"Accept-Encoding": "gzip"}).headers.get("content-encoding") == "gzip"


def test_a_missing_or_broken_route_table_serves_index_as_it_is(dist: Path, caplog: pytest.LogCaptureFixture) -> None:
    write_route_table(dist)
    (dist / "route-chunks.json").unlink()
    http = client(dist)
    assert "<!-- ko:route-preload -->" in http.get("/clusters").text
    (dist / "route-chunks.json").write_text('{"routes": [["(unclosed", []]]}')
    for _ in range(3):
        page = http.get("/clusters")
        assert page.status_code == 200 and preloads(page.text) == []
    warnings = [r for r in caplog.records if "route-chunks.json is not valid" in r.getMessage()]
    assert len(warnings) == 1  # once, not per request
