"""Day 2: the expiry of every certificate on every node, and their renewal (issue 14 B.5).

`check-certificates` reads each node's certificates (the playbook sends only CERTIFICATE blocks,
never a key) into the run's artifacts; its effect parses them here and stores them with the
cluster, soonest expiry first, sends `ko.deployment.cluster.certificates-checked` (the soonest expiry,
which the observability service's health judges) and `ko.deployment.cluster.certificates-expiring` when
any expires within `EXPIRING_DAYS`. `renew-certificates` renews kubeadm's certificates one master at a
time (the control plane restarted between), refreshes the stored admin kubeconfig and checks again.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.crypto import box_for
from ko_common.db import utcnow
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_deployment.clusters import events, validation
from ko_deployment.clusters.models import Cluster
from ko_deployment.clusters.repository import ClusterRepository
from ko_deployment.clusters.scaling import ready_for_change
from ko_deployment.clusters.schemas import (
    CertificateOut,
    CertificatesChecked,
    CertificatesExpiring,
    CertificatesOut,
    ClusterEvent,
)
from ko_deployment.clusters.service import TABLE, Context, get, operation_spec
from ko_deployment.operations import service as operations

log = logging.getLogger(__name__)
EXPIRING_DAYS = 30
_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


def parse_node(node: str, text: str, now: datetime) -> list[CertificateOut]:
    """The certificates of one node's file ("### <path>" then its CERTIFICATE blocks); the first of each path."""
    out = []
    for section in text.split("### ")[1:]:
        path, _, body = section.partition("\n")
        block = _BLOCK.search(body)
        if block is None:
            continue
        try:
            cert = x509.load_pem_x509_certificate(block.group(0).encode())
        except ValueError:
            log.warning("certificate unreadable", extra=log_fields(node=node, path=path.strip()))
            continue
        try:
            ca = bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
        except x509.ExtensionNotFound:
            ca = False
        not_after = cert.not_valid_after_utc
        out.append(
            CertificateOut(
                node=node, path=path.strip(), subject=cert.subject.rfc4514_string(),
                issuer=cert.issuer.rfc4514_string(), not_after=not_after,
                days_left=(not_after - now).days, ca=ca,
            )
        )  # fmt: skip
    return out


def read_artifacts(artifacts: Path, now: datetime) -> list[CertificateOut] | None:
    folder = artifacts / "certificates"
    if not folder.is_dir():
        return None
    items: list[CertificateOut] = []
    for path in sorted(folder.glob("*.pem")):
        items += parse_node(path.stem, path.read_text(errors="replace"), now)
    return sorted(items, key=lambda c: (c.not_after, c.node, c.path))


async def store_checked(session: AsyncSession, op: Any, artifacts: Path | None) -> None:
    """The effect of check-certificates and renew-certificates (the latter also refreshes the kubeconfig)."""
    if op.status != "succeeded" or artifacts is None:
        return
    cluster = await ClusterRepository(session).get(op.cluster_id)
    if cluster is None:
        return
    now = datetime.now(UTC)
    items = read_artifacts(artifacts, now)
    if op.kind == "renew-certificates":
        path = artifacts / "kubeconfig"
        if path.is_file():
            cluster.kubeconfig_enc = box_for(session).encrypt(
                path.read_text(), table=TABLE, row_id=cluster.id, field="kubeconfig"
            )
            path.unlink()
    if items is None:
        return
    cluster.certificates = [c.model_dump(mode="json") for c in items]
    cluster.certificates_checked_at = utcnow()
    await session.flush()
    expiring = [c for c in items if c.days_left <= EXPIRING_DAYS]
    await emit(
        session, events.CERTIFICATES_CHECKED,
        CertificatesChecked(cluster_id=cluster.id, project_id=cluster.project_id, name=cluster.name,
                            count=len(items), expiring=len(expiring), soonest=items[0] if items else None),
        subject_id=cluster.id, project_id=cluster.project_id,
    )  # fmt: skip
    if expiring:
        await emit(
            session, events.CERTIFICATES_EXPIRING,
            CertificatesExpiring(cluster_id=cluster.id, project_id=cluster.project_id, name=cluster.name,
                                 count=len(expiring), soonest=expiring[0]),
            subject_id=cluster.id, project_id=cluster.project_id,
        )  # fmt: skip
    log.info("certificates checked", extra=log_fields(cluster_id=cluster.id, count=len(items),
                                                        expiring=len(expiring)))  # fmt: skip


def of(cluster: Cluster) -> CertificatesOut:
    now = datetime.now(UTC)
    items = [CertificateOut.model_validate(c) for c in cluster.certificates or []]
    items = [c.model_copy(update={"days_left": (c.not_after - now).days}) for c in items]
    return CertificatesOut(checked_at=cluster.certificates_checked_at, items=items, expiring_within_days=EXPIRING_DAYS)


async def start(session: AsyncSession, identity: Identity, cluster_id: str, kind: str, ctx: Context) -> Cluster:
    """Queue check-certificates or renew-certificates on a running cluster."""
    cluster = await get(session, identity, cluster_id, write=True)
    await ready_for_change(session, cluster, "certificates are read and renewed")
    package = await validation.ready_package(session, cluster.version, cluster.arch)
    spec = operation_spec(cluster, package.manifest if package else {}, ctx.repository_url)
    op = await operations.create(
        session, project_id=cluster.project_id, cluster_id=cluster.id, kind=kind, spec=spec,
        created_by=identity.username,
    )  # fmt: skip
    cluster.current_operation_id = op.id
    await ClusterRepository(session).flush()
    await emit(session, events.UPDATED, ClusterEvent.of(cluster), subject_id=cluster.id,
               project_id=cluster.project_id)  # fmt: skip
    log.info("certificates operation queued", extra=log_fields(cluster_id=cluster.id, kind=kind, operation_id=op.id))
    return cluster
