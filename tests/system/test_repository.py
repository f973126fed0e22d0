"""The offline repository as the nodes reach it on a product started like `make run` (issue 12 §1).

The gateway listens on every address and serves /repository read-only from the deployment service,
so the nodes fetch from the one published port; the start-up banner names the URL they are given.
Without a package to import, a file is put where an import puts them (the deployment service's
repository directory) and fetched the way apt does.
"""

from __future__ import annotations

import email.utils
import ipaddress
import re
from http.client import HTTPConnection
from pathlib import Path

import httpx
import pytest

from ko_common.netaddr import local_addresses
from tests.support.stack import Stack

CONTENT = b"version: 1.36.0\n" + b"x" * 5000


@pytest.fixture(scope="module")
def served(stack: Stack) -> Path:
    package = stack.data_dir / "repository" / "packages" / "9.9.9-amd64"
    package.mkdir(parents=True, exist_ok=True)
    (package / "manifest.yaml").write_bytes(CONTENT)
    (package / ".import-secret").write_bytes(b"hidden")
    # A Debian pool name of an epoch version: apt asks for it percent-encoded (`%253a`).
    (package / "keepalived_1%3a2.2.7-1_amd64.deb").write_bytes(b"deb")
    return package


def public_url(stack: Stack) -> str:
    """The gateway on this machine's first address that is not loopback (what a node reaches)."""
    addresses = local_addresses()
    if not addresses:
        pytest.skip("this machine has no address besides loopback")
    return stack.url.replace("127.0.0.1", addresses[0])


def test_the_gateway_serves_the_repository_on_every_address_read_only(stack: Stack, served: Path) -> None:
    url = public_url(stack) + "/repository/packages/9.9.9-amd64/manifest.yaml"
    with httpx.Client(timeout=10, trust_env=False) as http:
        r = http.get(url)
        assert r.status_code == 200 and r.content == CONTENT
        head = http.head(url)
        assert head.status_code == 200 and int(head.headers["content-length"]) == len(CONTENT)
        part = http.get(url, headers={"Range": "bytes=0-15"})
        assert part.status_code == 206 and part.content == CONTENT[:16]
        since = email.utils.format_datetime(email.utils.parsedate_to_datetime(r.headers["last-modified"]), usegmt=True)
        assert http.get(url, headers={"If-Modified-Since": since}).status_code == 304
        assert http.post(url, content=b"x").status_code == 405
        assert http.delete(url).status_code == 405
        assert http.get(public_url(stack) + "/repository/packages/9.9.9-amd64/.import-secret").status_code == 404
        assert http.get(public_url(stack) + "/repository/packages/none/manifest.yaml").status_code == 404
    # apt asks a flat repository for `debs/./Packages`: a `.` segment is served (http.client sends it as written).
    host, port = public_url(stack).removeprefix("http://").split(":")
    conn = HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", "/repository/packages/9.9.9-amd64/./manifest.yaml")
        dotted = conn.getresponse()
        assert (dotted.status, dotted.read()) == (200, CONTENT)
        conn.request("GET", "/repository/packages/9.9.9-amd64/./keepalived_1%253a2.2.7-1_amd64.deb")
        epoch = conn.getresponse()
        assert (epoch.status, epoch.read()) == (200, b"deb")
    finally:
        conn.close()


def test_the_banner_names_the_repository_the_nodes_are_given(stack: Stack) -> None:
    banner = stack.output.read_text(errors="replace")
    line = next(x for x in banner.splitlines() if "Repository for the nodes" in x)
    port = stack.url.rsplit(":", 1)[1]
    urls = re.findall(r"http://([0-9.]+):(\d+)/repository", line)
    # The machine's addresses when the banner was printed (lab bridges come and go during a run).
    assert urls and all(p == port and ipaddress.IPv4Address(a) for a, p in urls), line
    assert any(a in local_addresses() for a, _ in urls) or not local_addresses(), line
    assert "KO_REPOSITORY_URL" in line


def test_the_package_list_shows_where_the_repository_is(admin: httpx.Client, stack: Stack) -> None:
    r = admin.get("/api/v1/offline-packages/repository")
    assert r.status_code == 200, r.text
    body = r.json()
    port = stack.url.rsplit(":", 1)[1]
    assert body["url"].endswith(f":{port}/repository")
    assert body["configured"] is False
