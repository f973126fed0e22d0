"""Hosts: registration, checks, host keys, bulk import, deletion and cluster membership.

No database transaction is held open across SSH: a visit may take seconds, and a SQLite writer or
a PostgreSQL row lock must not wait on a remote host. The pattern everywhere is: read what the
visit needs and end the transaction, visit (in parallel for many hosts), then write the results
in a short transaction that re-reads the rows.

An address (ip and SSH port) is registered once in the whole installation, not once per project:
one machine in two projects could end up in two clusters, each deploying over the other (the
table's unique constraint uq_hosts_ip_port says the same). A refusal names the host and project
holding the address only to a caller who may read that project; anyone else learns that the
address is taken, never by which project.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.db import Database, new_id, utcnow
from ko_common.errors import BadRequest, Conflict, InvalidInput, NotFound
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_inventory.credentials import service as credentials
from ko_inventory.credentials.repository import CredentialRepository
from ko_inventory.hosts import events, ssh
from ko_inventory.hosts.models import Host
from ko_inventory.hosts.repository import HostRepository
from ko_inventory.hosts.schemas import (
    CheckReport,
    CheckResult,
    HostAccess,
    HostChecks,
    HostClaim,
    HostCreate,
    HostEvent,
    HostKeyAccept,
    HostRelease,
    HostUpdate,
    ImportReport,
    ImportRow,
)
from ko_inventory.projects.service import require_known

log = logging.getLogger(__name__)

MAX_IMPORT_ROWS = 500
IMPORT_COLUMNS = ("name", "ip", "port", "credential")
# The media types an import file may come as; the first of each is the one the API documents first.
CSV_TYPES = ("text/csv", "application/csv")
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


@dataclass(frozen=True)
class SshPolicy:
    limits: ssh.Limits
    parallelism: int


# --- reading ---------------------------------------------------------------------------------------


async def list_hosts(
    session: AsyncSession,
    identity: Identity,
    project_id: str | None,
    q: str | None,
    status: str | None,
    available: bool | None,
    cluster_id: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Host], int]:
    projects = identity.readable_projects()
    if project_id is not None:
        identity.require_read(project_id)
        projects = {project_id}
    return await HostRepository(session).search(projects, q, status, available, cluster_id, limit, offset)


async def get(session: AsyncSession, identity: Identity, host_id: str, *, write: bool = False) -> Host:
    host = await HostRepository(session).get(host_id)
    if host is None or not identity.can_read(host.project_id):
        raise NotFound(f"No host {host_id}.")
    if write:
        identity.require_write(host.project_id)
    return host


# --- registration and checks -----------------------------------------------------------------------


async def register(session: AsyncSession, identity: Identity, body: HostCreate, policy: SshPolicy) -> Host:
    """Visit the host first; store it only when the visit succeeds (a refusal stores nothing)."""
    identity.require_write(body.project_id)
    await require_known(session, body.project_id)
    repo = HostRepository(session)
    await _refuse_duplicates(repo, identity, body.project_id, body.name, body.ip, body.port)
    login = await _login(session, body.credential_id, body.project_id)
    await session.commit()  # no transaction across the visit

    visit = await ssh.visit(ssh.Target(body.ip, body.port, None), login, policy.limits)
    if not visit.ok:
        raise InvalidInput(visit.message, field=visit.field or "ip")
    host = Host(
        id=new_id(),
        project_id=body.project_id,
        name=body.name,
        ip=body.ip,
        port=body.port,
        credential_id=body.credential_id,
    )
    _apply(host, visit)
    try:
        await repo.add(host)
    except IntegrityError as exc:  # registered concurrently while we were visiting
        raise Conflict(f"{body.ip}:{body.port} or the name {body.name} was registered meanwhile.", field="ip") from exc
    await emit(session, events.REGISTERED, HostEvent.of(host), subject_id=host.id, project_id=host.project_id)
    log.info("host registered", extra=log_fields(host_id=host.id, project_id=host.project_id))
    return host


async def check(session: AsyncSession, identity: Identity, host_id: str, policy: SshPolicy) -> Host:
    host = await get(session, identity, host_id, write=True)
    target, login = await _target(session, host)
    await session.commit()
    visit = await ssh.visit(target, login, policy.limits)
    return await _record(session, host_id, visit)


async def check_many(db: Database, identity: Identity, body: HostChecks, policy: SshPolicy) -> CheckReport:
    """Check many hosts in parallel (at most ``policy.parallelism`` connections at once)."""
    async with db.transaction() as session:
        repo = HostRepository(session)
        if body.host_ids:
            hosts = list(await repo.many(body.host_ids))
            found = {h.id for h in hosts if identity.can_read(h.project_id)}
            missing = [i for i in body.host_ids if i not in found]
            if missing:
                raise NotFound(f"No hosts {', '.join(missing[:10])}: check the ids.", field="host_ids")
        elif body.project_id:
            identity.require_read(body.project_id)
            hosts = list(await repo.in_project(body.project_id))
        else:
            raise InvalidInput("Name the hosts (host_ids) or a project (project_id) to check.", field="host_ids")
        for project_id in {h.project_id for h in hosts}:
            identity.require_write(project_id)
        work = [(h.id, *(await _target(session, h))) for h in hosts]

    gate = asyncio.Semaphore(policy.parallelism)

    async def one(target: ssh.Target, login: ssh.Login) -> ssh.Visit:
        async with gate:
            return await ssh.visit(target, login, policy.limits)

    visits = await asyncio.gather(*(one(target, login) for _, target, login in work))
    results = []
    async with db.transaction() as session:
        for (host_id, _, _), visit in zip(work, visits, strict=True):
            try:
                host = await _record(session, host_id, visit)
            except NotFound:  # deleted while we were visiting
                continue
            results.append(
                CheckResult(
                    host_id=host.id,
                    name=host.name,
                    ip=host.ip,
                    status=host.status,  # type: ignore[arg-type]
                    status_message=host.status_message,
                )
            )
    ready = sum(1 for r in results if r.status == "ready")
    return CheckReport(results=results, ready=ready, failed=len(results) - ready)


async def accept_host_key(
    session: AsyncSession, identity: Identity, host_id: str, body: HostKeyAccept, policy: SshPolicy
) -> Host:
    """An administrator accepts the changed key the host presented; the host is checked with it at once."""
    identity.require_admin()
    host = await get(session, identity, host_id)
    if host.pending_host_key is None or host.pending_host_key_fingerprint is None:
        raise Conflict(f"Host {host.name} has presented no changed SSH host key: check it first.", field="fingerprint")
    if body.fingerprint.strip() != host.pending_host_key_fingerprint:
        raise InvalidInput(
            f"fingerprint: does not match the key {host.ip} presented ({host.pending_host_key_fingerprint}); "
            "compare with the key on the host's console.",
            field="fingerprint",
        )
    host.host_key, host.host_key_fingerprint = host.pending_host_key, host.pending_host_key_fingerprint
    host.pending_host_key = host.pending_host_key_fingerprint = None
    await HostRepository(session).flush()
    await emit(session, events.UPDATED, HostEvent.of(host), subject_id=host.id, project_id=host.project_id)
    log.info("host key accepted", extra=log_fields(host_id=host.id, fingerprint=host.host_key_fingerprint))
    target, login = await _target(session, host)
    await session.commit()
    return await _record(session, host_id, await ssh.visit(target, login, policy.limits))


async def update(session: AsyncSession, identity: Identity, host_id: str, body: HostUpdate, policy: SshPolicy) -> Host:
    host = await get(session, identity, host_id, write=True)
    given = body.model_fields_set
    repo = HostRepository(session)
    if body.name is not None and body.name != host.name and await repo.by_name(host.project_id, body.name):
        raise _name_taken(body.name)
    port = body.port if body.port is not None else host.port
    credential_id = body.credential_id or host.credential_id
    visit = None
    if port != host.port or credential_id != host.credential_id:
        existing = await repo.by_address(host.ip, port) if port != host.port else None
        if existing is not None:
            raise _address_taken(existing, identity, "port")
        login = await _login(session, credential_id, host.project_id)
        target = ssh.Target(host.ip, port, host.host_key)
        await session.commit()
        visit = await ssh.visit(target, login, policy.limits)
        if not visit.ok:  # nothing changes: the host keeps what works
            raise InvalidInput(visit.message, field="port" if visit.field in ("ip", "port") else visit.field)
        host = await get(session, identity, host_id, write=True)
    if not given:
        return host
    if body.name is not None:
        host.name = body.name
    host.port, host.credential_id = port, credential_id
    if visit is not None:
        _apply(host, visit)
    try:
        await repo.flush()
    except IntegrityError as exc:
        raise Conflict("The name or address was taken meanwhile: try again.", field="name") from exc
    await emit(session, events.UPDATED, HostEvent.of(host), subject_id=host.id, project_id=host.project_id)
    return host


async def delete(session: AsyncSession, identity: Identity, host_id: str) -> None:
    host = await get(session, identity, host_id, write=True)
    if host.cluster_id is not None:
        raise Conflict(
            f"Host {host.name} belongs to cluster {host.cluster_id}: remove it from the cluster first.",
            field="cluster_id",
        )
    await HostRepository(session).delete(host)
    await emit(session, events.DELETED, HostEvent.of(host), subject_id=host.id, project_id=host.project_id)
    log.info("host deleted", extra=log_fields(host_id=host.id, project_id=host.project_id))


# --- bulk import -----------------------------------------------------------------------------------


async def import_hosts(
    db: Database, identity: Identity, project_id: str, content_type: str, data: bytes, policy: SshPolicy
) -> ImportReport:
    """Register many hosts from a CSV or YAML file.

    The whole file is validated first (syntax, fields, duplicates, credentials): any problem refuses
    the file with every problem listed and nothing stored. Then every host is visited in parallel;
    the hosts that pass are registered, the others are reported with the reason and the field.
    """
    identity.require_write(project_id)
    raw_rows = _parse_rows(content_type, data)
    async with db.transaction() as session:
        await require_known(session, project_id)
        bodies, logins = await _validate_rows(session, identity, project_id, raw_rows)

    gate = asyncio.Semaphore(policy.parallelism)

    async def one(body: HostCreate) -> ssh.Visit:
        async with gate:
            return await ssh.visit(ssh.Target(body.ip, body.port, None), logins[body.credential_id], policy.limits)

    visits = await asyncio.gather(*(one(b) for b in bodies))
    rows: list[ImportRow] = []
    async with db.transaction() as session:
        repo = HostRepository(session)
        for number, (body, visit) in enumerate(zip(bodies, visits, strict=True), start=1):
            row = ImportRow(row=number, name=body.name, ip=body.ip, status="failed")
            if not visit.ok:
                row.error, row.field = visit.message, visit.field
                rows.append(row)
                continue
            host = Host(
                id=new_id(),
                project_id=project_id,
                name=body.name,
                ip=body.ip,
                port=body.port,
                credential_id=body.credential_id,
            )
            _apply(host, visit)
            try:
                async with session.begin_nested():
                    await repo.add(host)
            except IntegrityError:
                row.error, row.field = f"{body.ip}:{body.port} or {body.name} was registered meanwhile.", "ip"
                rows.append(row)
                continue
            await emit(session, events.REGISTERED, HostEvent.of(host), subject_id=host.id, project_id=project_id)
            row.status, row.host_id = "registered", host.id
            rows.append(row)
    registered = sum(1 for r in rows if r.status == "registered")
    log.info("hosts imported", extra=log_fields(project_id=project_id, registered=registered, rows=len(rows)))
    return ImportReport(registered=registered, failed=len(rows) - registered, rows=rows)


def _parse_rows(content_type: str, data: bytes) -> list[dict[str, Any]]:
    kind = content_type.split(";", 1)[0].strip().lower()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text: save it as UTF-8.", field="file") from None
    if kind in CSV_TYPES:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in reader.fieldnames or []]
        unknown = [h for h in header if h not in IMPORT_COLUMNS]
        if "name" not in header or "ip" not in header or "credential" not in header or unknown:
            raise InvalidInput(
                f"The CSV header must name the columns {', '.join(IMPORT_COLUMNS)} (port optional)"
                + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                + ".",
                field="file",
            )
        reader.fieldnames = header
        rows: list[dict[str, Any]] = [
            {k: (v.strip() if isinstance(v, str) else v) for k, v in r.items()} for r in reader
        ]
    elif kind in YAML_TYPES:
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise InvalidInput(f"The YAML cannot be read{where}: fix its syntax.", field="file") from None
        if isinstance(loaded, dict) and "hosts" in loaded:
            loaded = loaded["hosts"]
        if not isinstance(loaded, list) or not all(isinstance(r, dict) for r in loaded):
            raise InvalidInput(
                "The YAML must be a list of hosts (or `hosts:` with a list), each with name, ip, port and credential.",
                field="file",
            )
        rows = loaded
    else:
        raise BadRequest(f"Send the file as text/csv or application/yaml, not {kind or 'no content type'}.")
    if not rows:
        raise InvalidInput("The file lists no hosts.", field="file")
    if len(rows) > MAX_IMPORT_ROWS:
        raise InvalidInput(
            f"The file lists {len(rows)} hosts; import at most {MAX_IMPORT_ROWS} at a time.", field="file"
        )
    return rows


async def _validate_rows(
    session: AsyncSession, identity: Identity, project_id: str, raw_rows: list[dict[str, Any]]
) -> tuple[list[HostCreate], dict[str, ssh.Login]]:
    """Every problem of every row, each named ``rows[N].<column>``; one bad value hides no other."""
    problems: list[tuple[str, str]] = []
    numbered: list[tuple[int, HostCreate]] = []
    credential_ids: dict[str, str | None] = {}
    for number, raw in enumerate(raw_rows, start=1):
        where = f"rows[{number}]"
        found = [
            (f"{where}.{column}", f"unknown column; use {', '.join(IMPORT_COLUMNS)}")
            for column in sorted({str(k) for k in raw if k is not None} - set(IMPORT_COLUMNS))
        ]
        if None in raw:  # csv puts the values past the header's last column under None
            found.append((where, f"more values than the header has columns ({', '.join(IMPORT_COLUMNS)})"))
        ref = str(raw.get("credential") or "").strip()
        if ref not in credential_ids:
            credential_ids[ref] = await _credential_id(session, project_id, ref) if ref else None
        if credential_ids[ref] is None:
            found.append(
                (f"{where}.credential", f"no credential {ref or '(empty)'} in this project: give its name or id")
            )
        port = raw.get("port")
        try:
            body = HostCreate(
                project_id=project_id,
                name=raw.get("name") or "",
                ip=str(raw.get("ip") or ""),
                port=22 if port in (None, "") else port,
                credential_id=credential_ids[ref] or "unknown",  # reported above; the other columns still checked
            )
        except ValidationError as exc:
            for err in exc.errors():
                column = {"credential_id": "credential"}.get(str(err["loc"][0]), str(err["loc"][0]))
                found.append((f"{where}.{column}", err["msg"].removeprefix("Value error, ")))
        if found:
            problems += found
        else:
            numbered.append((number, body))

    names: dict[str, int] = {}
    addresses: dict[tuple[str, int], int] = {}
    for number, body in numbered:
        if body.name in names:
            problems.append((f"rows[{number}].name", f"the same name as row {names[body.name]}"))
        if (body.ip, body.port) in addresses:
            problems.append((f"rows[{number}].ip", f"the same address as row {addresses[(body.ip, body.port)]}"))
        names.setdefault(body.name, number)
        addresses.setdefault((body.ip, body.port), number)
    repo = HostRepository(session)
    taken_names = await repo.existing_names(project_id, set(names))
    taken_addresses = await repo.existing_addresses(set(addresses))
    for number, body in numbered:
        if body.name in taken_names:
            problems.append((f"rows[{number}].name", f"a host named {body.name} already exists in this project"))
        if (body.ip, body.port) in taken_addresses:
            taken = _address_taken(taken_addresses[(body.ip, body.port)], identity, "ip")
            problems.append((f"rows[{number}].ip", taken.detail))
    if problems:
        raise InvalidInput.many(problems)
    bodies = [body for _, body in numbered]
    logins = {cid: await _login(session, cid, project_id) for cid in {b.credential_id for b in bodies}}
    return bodies, logins


async def _credential_id(session: AsyncSession, project_id: str, ref: str) -> str | None:
    """A credential of the project, by id or by name."""
    repo = CredentialRepository(session)
    cred = await repo.get(ref)
    if cred is None or cred.project_id != project_id:
        cred = await repo.by_name(project_id, ref)
    return cred.id if cred is not None else None


# --- cluster membership (internal: the deployment service) ------------------------------------------


async def claim(session: AsyncSession, identity: Identity, body: HostClaim) -> list[Host]:
    if identity.service != "deployment":
        identity.require_write(body.project_id)
    repo = HostRepository(session)
    taken = await repo.claim(body.host_ids, body.project_id, body.cluster_id)
    if taken != len(set(body.host_ids)):
        await session.rollback()
        hosts = await repo.many(body.host_ids)
        busy = [f"{h.name} (cluster {h.cluster_id})" for h in hosts if h.cluster_id not in (None, body.cluster_id)]
        found = {h.id for h in hosts if h.project_id == body.project_id}
        missing = [i for i in body.host_ids if i not in found]
        detail = "; ".join(
            part
            for part in (
                f"in another cluster: {', '.join(busy)}" if busy else "",
                f"not in this project: {', '.join(missing)}" if missing else "",
            )
            if part
        )
        raise Conflict(f"Hosts cannot join cluster {body.cluster_id}: {detail or 'taken meanwhile'}.", field="host_ids")
    hosts = list(await repo.many(body.host_ids))
    for host in hosts:
        await session.refresh(host)
        await emit(session, events.UPDATED, HostEvent.of(host), subject_id=host.id, project_id=host.project_id)
    return hosts


async def release(session: AsyncSession, identity: Identity, body: HostRelease) -> list[Host]:
    repo = HostRepository(session)
    hosts = [h for h in await repo.in_cluster(body.cluster_id) if body.host_ids is None or h.id in body.host_ids]
    for host in hosts:
        if identity.service != "deployment":  # the deployment service releases a deleted cluster's hosts
            identity.require_write(host.project_id)
        host.cluster_id = None
        await emit(session, events.UPDATED, HostEvent.of(host), subject_id=host.id, project_id=host.project_id)
    await repo.flush()
    return hosts


async def access(session: AsyncSession, identity: Identity, host_ids: list[str]) -> list[HostAccess]:
    """The logins of hosts for the deployment service's playbooks (internal; secrets decrypted)."""
    identity.require_service("deployment")
    hosts = list(await HostRepository(session).many(host_ids))
    missing = sorted(set(host_ids) - {h.id for h in hosts})
    if missing:
        raise NotFound(f"No hosts {', '.join(missing[:10])}.", field="host_ids")
    out = []
    for host in hosts:
        secret = await credentials.reveal(session, host.credential_id)
        out.append(
            HostAccess(
                host_id=host.id,
                project_id=host.project_id,
                name=host.name,
                ip=host.ip,
                port=host.port,
                username=secret.username,
                host_key=host.host_key,
                become=host.become,
                status=host.status,
                password=secret.password,
                private_key=secret.private_key,
                passphrase=secret.passphrase,
            )
        )
    log.info("host access handed out", extra=log_fields(hosts=len(out), caller=identity.service))
    return out


# --- helpers ---------------------------------------------------------------------------------------


async def _login(session: AsyncSession, credential_id: str, project_id: str) -> ssh.Login:
    cred = await CredentialRepository(session).get(credential_id)
    if cred is None or cred.project_id != project_id:
        raise InvalidInput(
            f"credential_id: no credential {credential_id} in this project: create one under Credentials first.",
            field="credential_id",
        )
    secret = await credentials.reveal(session, credential_id)
    return ssh.Login(
        username=secret.username,
        password=secret.password,
        private_key=secret.private_key,
        passphrase=secret.passphrase,
    )


async def _target(session: AsyncSession, host: Host) -> tuple[ssh.Target, ssh.Login]:
    return ssh.Target(host.ip, host.port, host.host_key), await _login(session, host.credential_id, host.project_id)


async def _record(session: AsyncSession, host_id: str, visit: ssh.Visit) -> Host:
    host = await HostRepository(session).get(host_id)
    if host is None:
        raise NotFound(f"Host {host_id} was deleted meanwhile.")
    await session.refresh(host)
    _apply(host, visit)
    await HostRepository(session).flush()
    await emit(session, events.CHECKED, HostEvent.of(host), subject_id=host.id, project_id=host.project_id)
    return host


def _apply(host: Host, visit: ssh.Visit) -> None:
    now = utcnow()
    host.status, host.status_message, host.checked_at = visit.status, visit.message, now
    if visit.status == "host_key_changed":
        host.pending_host_key, host.pending_host_key_fingerprint = visit.host_key, visit.host_key_fingerprint
        return
    if host.host_key is None and visit.host_key is not None:  # first contact
        host.host_key, host.host_key_fingerprint = visit.host_key, visit.host_key_fingerprint
    if visit.ok:
        host.pending_host_key = host.pending_host_key_fingerprint = None
        host.become = visit.become
        host.facts, host.facts_at = visit.facts, now


async def _refuse_duplicates(
    repo: HostRepository, identity: Identity, project_id: str, name: str, ip: str, port: int
) -> None:
    if await repo.by_name(project_id, name) is not None:
        raise _name_taken(name)
    existing = await repo.by_address(ip, port)
    if existing is not None:
        raise _address_taken(existing, identity, "ip")


def _name_taken(name: str) -> Conflict:
    return Conflict(f"A host named {name} already exists in this project: choose another name.", field="name")


def _address_taken(existing: Host, identity: Identity, field: str) -> Conflict:
    """An address is registered once per installation (see the module doc); which project holds it is
    said only to a caller who may read that project."""
    address = f"{existing.ip}:{existing.port}"
    if identity.can_read(existing.project_id):
        return Conflict(
            f"{address} is already registered as host {existing.name} (project {existing.project_id}): "
            "a machine is registered once; use that host, or delete it first.",
            field=field,
        )
    return Conflict(
        f"{address} is already registered: a machine is registered once in KubeOperator, so that it can never "
        "be in two clusters; ask an administrator where it is, and to release it if it should move here.",
        field=field,
    )
