"""A login to a region's cloud with its API credentials: proof that they work before they are stored.

What this module guarantees:

- vSphere: a vCenter REST session (``POST /api/session``, vSphere 7+; ``/rest/com/vmware/cis/session``
  when that answers 404, vSphere 6.7), deleted again at once. OpenStack: a Keystone v3 token scoped to
  the region's project (``POST <auth URL>/auth/tokens``), revoked again at once. Nothing stays open.
- The whole login (every request it makes) takes at most ``timeout`` seconds.
- TLS is verified against the system's trust store, ``SSL_CERT_FILE``/``SSL_CERT_DIR`` included (the
  store the Terraform providers that later use the region verify against), unless the region sets
  ``insecure_tls``. No proxy or other setting is taken from the environment.
- A failure is a ``LoginRefused`` naming the region field to fix (``endpoint``, ``password``,
  ``project_name`` or ``insecure_tls``) in a sentence that holds neither the password nor a token:
  this module never logs, returns or raises either.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

log = logging.getLogger(__name__)
_VSPHERE_SESSION = "/api/session"
_VSPHERE_LEGACY_SESSION = "/rest/com/vmware/cis/session"  # vSphere 6.7, kept by 7 and 8 as well


@dataclass(frozen=True)
class Credentials:
    provider: str
    endpoint: str
    username: str
    password: str = field(repr=False)
    project_name: str | None
    domain_name: str | None
    insecure_tls: bool


@dataclass(frozen=True)
class LoginPolicy:
    check_on_save: bool
    timeout: float


class LoginRefused(Exception):
    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field
        self.detail = detail


async def login(creds: Credentials, timeout: float) -> str:
    """Log in and out again; the answer says what was proven. Raises LoginRefused."""
    cloud = "vCenter" if creds.provider == "vsphere" else "Keystone"
    where = f"{cloud} at {creds.endpoint}"
    try:
        async with asyncio.timeout(timeout):
            async with _client(creds, timeout) as client:
                if creds.provider == "vsphere":
                    return await _vsphere(client, creds, where)
                return await _keystone(client, creds, where)
    except TimeoutError:
        raise LoginRefused(
            "endpoint",
            f"{where} did not answer within {timeout:g} s: check the URL and that KubeOperator can reach it "
            "(routes, firewalls).",
        ) from None
    except httpx.TransportError as exc:
        raise _unreachable(exc, where) from None


def _client(creds: Credentials, timeout: float) -> httpx.AsyncClient:
    # The stdlib context reads the system store and SSL_CERT_FILE/DIR; httpx's own default is certifi's.
    verify: ssl.SSLContext | bool = False if creds.insecure_tls else ssl.create_default_context()
    return httpx.AsyncClient(verify=verify, timeout=timeout, trust_env=False, follow_redirects=False)


def _unreachable(exc: httpx.TransportError, where: str) -> LoginRefused:
    untrusted = _certificate_error(exc)
    if untrusted is not None:
        reason = untrusted.verify_message or "verification failed"
        return LoginRefused(
            "insecure_tls",
            f"{where}: the certificate is not trusted ({reason}): import the CA that signed it into the "
            "trust store of KubeOperator's hosts, or set insecure_tls for a lab.",
        )
    if _in_chain(exc, ssl.SSLError):
        return LoginRefused(
            "endpoint", f"{where} failed the TLS handshake ({exc}): check the URL (an https port of the server)."
        )
    if isinstance(exc, httpx.TimeoutException):
        return LoginRefused(
            "endpoint", f"{where} did not answer in time: check the URL and that KubeOperator can reach it."
        )
    reason = _os_reason(exc) or str(exc) or type(exc).__name__
    return LoginRefused(
        "endpoint", f"cannot reach {where} ({reason}): check the URL and that KubeOperator can reach it."
    )


def _os_reason(exc: BaseException) -> str | None:
    """The system's words for the deepest socket error ("Connection refused"), where httpx says less."""
    reason = None
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and not isinstance(seen, ssl.SSLError) and seen.errno is not None:
            reason = os.strerror(seen.errno) if seen.errno > 0 else seen.strerror
        seen = seen.__cause__ or seen.__context__
    return reason


def _certificate_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    found = _in_chain(exc, ssl.SSLCertVerificationError)
    return found if isinstance(found, ssl.SSLCertVerificationError) else None


def _in_chain(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


# --- vSphere ---------------------------------------------------------------------------------------


async def _vsphere(client: httpx.AsyncClient, creds: Credentials, where: str) -> str:
    # Terraform's vsphere provider is given the host (and port) alone: the login tries that same server.
    base = "https://" + urlsplit(creds.endpoint).netloc
    auth = httpx.BasicAuth(creds.username, creds.password)
    path = _VSPHERE_SESSION
    r = await client.post(base + path, auth=auth)
    if r.status_code == 404:
        path = _VSPHERE_LEGACY_SESSION
        r = await client.post(base + path, auth=auth)
    if r.status_code in (401, 403):
        raise LoginRefused("password", f"{where} refused the login of {creds.username}: check the user and password.")
    if r.status_code not in (200, 201):
        raise LoginRefused(
            "endpoint",
            f"{where} answered HTTP {r.status_code} to a login at {path}: check that the URL is the vCenter's.",
        )
    token = _session_token(r, legacy=path == _VSPHERE_LEGACY_SESSION)
    if token is None:
        raise LoginRefused("endpoint", f"{where} gave no session token at {path}: check that the URL is the vCenter's.")
    try:
        bye = await client.delete(base + path, headers={"vmware-api-session-id": token})
        if bye.status_code >= 300:
            log.info("vCenter logout answered HTTP %s: the session expires on its own", bye.status_code)
    except httpx.TransportError as exc:
        log.info("vCenter logout failed (%s): the session expires on its own", type(exc).__name__)
    return f"Logged in to {where} as {creds.username}, and out again."


def _session_token(r: httpx.Response, legacy: bool) -> str | None:
    try:
        body: Any = r.json()
    except ValueError:
        return None
    token = body.get("value") if legacy and isinstance(body, dict) else body
    return token if isinstance(token, str) and token else None


# --- OpenStack -------------------------------------------------------------------------------------


def tokens_url(endpoint: str) -> str:
    """``<auth URL>/auth/tokens``, the auth URL given with or without its ``/v3`` and a final slash."""
    url = endpoint.rstrip("/")
    if not url.endswith("/v3"):
        url += "/v3"
    return url + "/auth/tokens"


def _auth(creds: Credentials, scoped: bool) -> dict[str, Any]:
    domain = {"name": creds.domain_name}
    user = {"name": creds.username, "domain": domain, "password": creds.password}
    auth: dict[str, Any] = {"identity": {"methods": ["password"], "password": {"user": user}}}
    if scoped:
        auth["scope"] = {"project": {"name": creds.project_name, "domain": domain}}
    return {"auth": auth}


async def _keystone(client: httpx.AsyncClient, creds: Credentials, where: str) -> str:
    url = tokens_url(creds.endpoint)
    who = f"{creds.username} (domain {creds.domain_name})"
    project = f"project {creds.project_name} of domain {creds.domain_name}"
    r = await client.post(url, json=_auth(creds, scoped=True))
    if r.status_code == 201:
        await _revoke(client, url, r, where)
        return f"Logged in to {where} as {who} in {project}, and the token revoked again."
    if r.status_code == 404 and "project" in _keystone_message(r).lower():
        raise LoginRefused("project_name", f"{where} knows no {project}: check project_name and domain_name.")
    if r.status_code == 401:
        # Keystone answers 401 alike for a wrong password and for a project it does not know or the user
        # has no role in: an unscoped login tells them apart.
        unscoped = await client.post(url, json=_auth(creds, scoped=False))
        if unscoped.status_code == 201:
            await _revoke(client, url, unscoped, where)
            raise LoginRefused(
                "project_name",
                f"{where} accepted {who} but not in {project}: check project_name, and that the user has a role "
                "in that project.",
            )
        raise LoginRefused(
            "password", f"{where} refused the login of {who}: check the user and password (and domain_name)."
        )
    raise LoginRefused(
        "endpoint",
        f"{where} answered HTTP {r.status_code} to a login at {url}: check that the URL is Keystone's v3 "
        "auth URL, e.g. https://keystone.example.local:5000/v3.",
    )


def _keystone_message(r: httpx.Response) -> str:
    try:
        body: Any = r.json()
        return str(body["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return ""


async def _revoke(client: httpx.AsyncClient, url: str, r: httpx.Response, where: str) -> None:
    token = r.headers.get("X-Subject-Token")
    if not token:
        raise LoginRefused("endpoint", f"{where} gave no token (no X-Subject-Token): check that the URL is Keystone's.")
    try:
        bye = await client.delete(url, headers={"X-Auth-Token": token, "X-Subject-Token": token})
        if bye.status_code >= 300:
            log.info("Keystone token revocation answered HTTP %s: the token expires on its own", bye.status_code)
    except httpx.TransportError as exc:
        log.info("Keystone token revocation failed (%s): the token expires on its own", type(exc).__name__)
