"""Credentials: project scoping, validation of the secrets, encryption at rest, events.

The caller's transaction is the request's (or the handler's): this module only flushes.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import SecretStr
from sqlalchemy import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.crypto import SecretBox, box_for
from ko_common.db import new_id
from ko_common.errors import Conflict, Forbidden, InvalidInput, NotFound
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_inventory.credentials import events
from ko_inventory.credentials.keys import parse_private_key
from ko_inventory.credentials.models import Credential
from ko_inventory.credentials.repository import CredentialRepository
from ko_inventory.credentials.schemas import CredentialCreate, CredentialEvent, CredentialUpdate
from ko_inventory.hosts.repository import HostRepository
from ko_inventory.projects.service import require_known

log = logging.getLogger(__name__)
TABLE = "credentials"


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP
NewSecret = str | None | _Keep  # a new value, None for none, or KEEP the stored one


@dataclass(frozen=True)
class DecryptedCredential:
    """What an SSH connection needs. Secrets are left out of repr so they never reach a log."""

    id: str
    project_id: str
    username: str
    auth_type: str
    key_fingerprint: str | None
    password: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)


async def list_credentials(
    session: AsyncSession, identity: Identity, project_id: str | None, q: str | None, limit: int, offset: int
) -> tuple[Sequence[RowMapping], int]:
    projects = identity.readable_projects()
    if project_id is not None:
        identity.require_read(project_id)
        projects = {project_id}
    return await CredentialRepository(session).search(projects, q, limit, offset)


async def create(session: AsyncSession, identity: Identity, body: CredentialCreate) -> Credential:
    identity.require_write(body.project_id)
    await require_known(session, body.project_id)
    repo = CredentialRepository(session)
    await _refuse_duplicate(repo, body.project_id, body.name)
    cred = Credential(
        id=new_id(),
        project_id=body.project_id,
        name=body.name,
        description=body.description,
        username=body.username,
        auth_type=body.auth_type,
    )
    await _set_secrets(
        cred, box_for(session), body.auth_type, _plain(body.password), _plain(body.private_key), _plain(body.passphrase)
    )
    try:
        await repo.add(cred)
    except IntegrityError as exc:  # a concurrent create won the race
        raise _duplicate(cred.name) from exc
    await emit(session, events.CREATED, CredentialEvent.of(cred), subject_id=cred.id, project_id=cred.project_id)
    log.info("credential created", extra=log_fields(credential_id=cred.id, project_id=cred.project_id))
    return cred


async def get(session: AsyncSession, identity: Identity, credential_id: str, *, write: bool = False) -> Credential:
    cred = await CredentialRepository(session).get(credential_id)
    # A credential of a project the caller cannot see is reported missing, so ids cannot be probed.
    if cred is None or not identity.can_read(cred.project_id):
        raise NotFound(f"No credential {credential_id}: check the id, or ask for access to its project.")
    if write and not identity.can_write(cred.project_id):
        raise Forbidden("Your role in this credential's project is read-only: ask a project manager or an admin.")
    return cred


async def update(session: AsyncSession, identity: Identity, credential_id: str, body: CredentialUpdate) -> Credential:
    cred = await get(session, identity, credential_id, write=True)
    given = body.model_fields_set
    if not given:
        return cred
    await require_known(session, cred.project_id)
    repo = CredentialRepository(session)
    if body.name is not None and body.name != cred.name:
        await _refuse_duplicate(repo, cred.project_id, body.name)
        cred.name = body.name
    if body.description is not None:
        cred.description = body.description
    if body.username is not None:
        cred.username = body.username
    auth_type = body.auth_type or cred.auth_type

    def secret(name: str, value: SecretStr | None) -> NewSecret:
        return _plain(value) if name in given else KEEP

    await _set_secrets(
        cred,
        box_for(session),
        auth_type,
        secret("password", body.password),
        secret("private_key", body.private_key),
        secret("passphrase", body.passphrase),
    )
    cred.auth_type = auth_type
    try:
        await repo.flush()
    except IntegrityError as exc:
        raise _duplicate(cred.name) from exc
    await emit(session, events.UPDATED, CredentialEvent.of(cred), subject_id=cred.id, project_id=cred.project_id)
    log.info("credential updated", extra=log_fields(credential_id=cred.id, project_id=cred.project_id))
    return cred


async def delete(session: AsyncSession, identity: Identity, credential_id: str) -> None:
    cred = await get(session, identity, credential_id, write=True)
    used = await HostRepository(session).count_using_credential(cred.id)
    if used:
        raise Conflict(
            f"{used} host(s) log in with the credential {cred.name}: give them another credential first.",
            field="credential_id",
        )
    await CredentialRepository(session).delete(cred)
    await emit(session, events.DELETED, CredentialEvent.of(cred), subject_id=cred.id, project_id=cred.project_id)
    log.info("credential deleted", extra=log_fields(credential_id=cred.id, project_id=cred.project_id))


async def reveal(session: AsyncSession, credential_id: str) -> DecryptedCredential:
    """The decrypted credential, for this service's own SSH work (host checks); never an HTTP answer.

    No identity check: the caller has already authorised the action that needs it.
    Raises NotFound, or ko_common.crypto.SecretBoxError if the stored data cannot be decrypted.
    """
    cred = await CredentialRepository(session).get(credential_id)
    if cred is None:
        raise NotFound(f"No credential {credential_id}.")
    box = box_for(session)

    def open_(name: str, token: str | None) -> str | None:
        return None if token is None else box.decrypt(token, table=TABLE, row_id=cred.id, field=name)

    return DecryptedCredential(
        id=cred.id,
        project_id=cred.project_id,
        username=cred.username,
        auth_type=cred.auth_type,
        key_fingerprint=cred.key_fingerprint,
        password=open_("password", cred.password_enc),
        private_key=open_("private_key", cred.private_key_enc),
        passphrase=open_("passphrase", cred.passphrase_enc),
    )


async def _set_secrets(
    cred: Credential, box: SecretBox, auth_type: str, password: NewSecret, private_key: NewSecret, passphrase: NewSecret
) -> None:
    """Validate and encrypt the secrets ``auth_type`` needs; clear the ones it does not use."""

    def seal(name: str, value: str) -> str:
        return box.encrypt(value, table=TABLE, row_id=cred.id, field=name)

    def unseal(name: str, token: str | None) -> str | None:
        return None if token is None else box.decrypt(token, table=TABLE, row_id=cred.id, field=name)

    if auth_type == "password":
        for name, value in (("private_key", private_key), ("passphrase", passphrase)):
            if _has(value):
                raise InvalidInput(f"{name}: not used with auth_type password: leave it empty.", field=name)
        if password is KEEP:
            if cred.password_enc is None:
                raise InvalidInput("password: required for auth_type password.", field="password")
        elif not password:
            raise InvalidInput("password: must not be empty for auth_type password.", field="password")
        else:
            cred.password_enc = seal("password", password)
        cred.private_key_enc = cred.passphrase_enc = cred.key_fingerprint = None
        return

    if _has(password):
        raise InvalidInput("password: not used with auth_type private_key: leave it empty.", field="password")
    cred.password_enc = None
    if private_key is KEEP and passphrase is KEEP and cred.private_key_enc is not None:
        return
    key = unseal("private_key", cred.private_key_enc) if private_key is KEEP else private_key
    if not key:
        raise InvalidInput("private_key: required for auth_type private_key: paste the whole key.", field="private_key")
    strict = passphrase is not KEEP
    phrase = unseal("passphrase", cred.passphrase_enc) if passphrase is KEEP else passphrase
    # Off the event loop: loading an encrypted key runs a deliberately slow KDF.
    parsed = await asyncio.to_thread(parse_private_key, key, phrase or None, strict=strict)
    cred.private_key_enc = seal("private_key", parsed.text)
    cred.passphrase_enc = seal("passphrase", phrase) if parsed.encrypted and phrase else None
    cred.key_fingerprint = parsed.fingerprint


def _plain(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


def _has(value: NewSecret) -> bool:
    return value is not KEEP and bool(value)


async def _refuse_duplicate(repo: CredentialRepository, project_id: str, name: str) -> None:
    if await repo.by_name(project_id, name) is not None:
        raise _duplicate(name)


def _duplicate(name: str) -> Conflict:
    return Conflict(f"A credential named {name} already exists in this project: choose another name.", field="name")
