"""An HTTP client for a cluster's API server from its admin kubeconfig (the text the deployment service
stores, with embedded certificates), for services that read Kubernetes (node health, observability,
backup, tools).

The client key never stays on disk: Python's ssl module loads a key only from a file, so it is
written into a private temporary directory (0700, the file 0600), loaded into the SSL context, and
the directory is removed before the client is returned. The CA comes from memory. The kubeconfig's
current context decides the cluster and user; a bearer token is supported too.
"""

from __future__ import annotations

import base64
import binascii
import os
import shutil
import ssl
import tempfile
from pathlib import Path
from typing import Any

import httpx
import yaml


class KubeconfigInvalid(ValueError):
    """The kubeconfig cannot be used (the message says what is missing; never its content)."""


def _named(items: Any, name: str, what: str) -> dict[str, Any]:
    for item in items or []:
        if isinstance(item, dict) and item.get("name") == name:
            body = item.get(what)
            if isinstance(body, dict):
                return body
    raise KubeconfigInvalid(f"the kubeconfig has no {what} named {name!r}")


def _decoded(value: Any, what: str) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KubeconfigInvalid(f"the kubeconfig's {what} is not base64") from exc


def kube_client(kubeconfig: str, *, timeout: float = 10.0) -> httpx.AsyncClient:
    """An AsyncClient whose base URL is the API server, authenticated as the kubeconfig's current user."""
    try:
        config = yaml.safe_load(kubeconfig)
    except yaml.YAMLError as exc:
        raise KubeconfigInvalid("the kubeconfig is not YAML") from exc
    if not isinstance(config, dict):
        raise KubeconfigInvalid("the kubeconfig is not a mapping")
    context = _named(config.get("contexts"), str(config.get("current-context") or ""), "context")
    cluster = _named(config.get("clusters"), str(context.get("cluster") or ""), "cluster")
    user = _named(config.get("users"), str(context.get("user") or ""), "user")
    server = str(cluster.get("server") or "")
    if not server.startswith("https://"):
        raise KubeconfigInvalid("the kubeconfig's cluster has no https:// server")
    ca = cluster.get("certificate-authority-data")
    # The system's CA store only when the kubeconfig has no CA: loading it costs ~20 ms of CPU a client,
    # most of a health check's (bench/health_scale.py).
    ctx = ssl.create_default_context(cadata=_decoded(ca, "CA").decode()) if ca else ssl.create_default_context()
    headers = {}
    if user.get("client-certificate-data") and user.get("client-key-data"):
        cert = _decoded(user["client-certificate-data"], "client certificate")
        key = _decoded(user["client-key-data"], "client key")
        private = Path(tempfile.mkdtemp(prefix="ko-kube-"))  # 0700
        try:
            for name, data in (("client.crt", cert), ("client.key", key)):
                fd = os.open(private / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
            ctx.load_cert_chain(private / "client.crt", private / "client.key")
        except ssl.SSLError as exc:
            raise KubeconfigInvalid("the kubeconfig's client certificate and key do not load") from exc
        finally:
            shutil.rmtree(private, ignore_errors=True)
    elif user.get("token"):
        headers["Authorization"] = f"Bearer {user['token']}"
    else:
        raise KubeconfigInvalid("the kubeconfig's user has neither an embedded client certificate nor a token")
    return httpx.AsyncClient(base_url=server, verify=ctx, headers=headers, timeout=timeout, trust_env=False)
