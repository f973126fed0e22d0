"""Events of the backup accounts domain (payloads never carry a secret)."""

from ko_backup.accounts.schemas import BackupAccountEvent
from ko_common.events import event_spec

CREATED = event_spec("ko.backup.account.created", BackupAccountEvent, "A backup account was created (and tested).")
UPDATED = event_spec(
    "ko.backup.account.updated", BackupAccountEvent, "A backup account's settings, secrets or projects changed."
)
DELETED = event_spec("ko.backup.account.deleted", BackupAccountEvent, "A backup account was deleted.")
