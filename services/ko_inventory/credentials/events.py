"""Events of the credentials domain (payloads never carry a secret)."""

from ko_common.events import event_spec
from ko_inventory.credentials.schemas import CredentialEvent

CREATED = event_spec("ko.inventory.credential.created", CredentialEvent, "An SSH credential was created.")
UPDATED = event_spec(
    "ko.inventory.credential.updated", CredentialEvent, "An SSH credential's details or secrets changed."
)
DELETED = event_spec("ko.inventory.credential.deleted", CredentialEvent, "An SSH credential was deleted.")
