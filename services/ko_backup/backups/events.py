"""Events of backups and restores (payloads never carry a secret or an account's settings)."""

from ko_backup.backups.schemas import BackupEvent, RestoreEvent
from ko_common.events import event_spec

BACKUP_STARTED = event_spec(
    "ko.backup.backup.started", BackupEvent, "A backup was started (on demand or by its cluster's strategy)."
)
BACKUP_SUCCEEDED = event_spec(
    "ko.backup.backup.succeeded", BackupEvent, "A backup is complete in its account, checksum verified: restorable."
)
BACKUP_FAILED = event_spec(
    "ko.backup.backup.failed", BackupEvent, "A backup failed or was cancelled; its partial objects were removed."
)
BACKUP_DELETED = event_spec(
    "ko.backup.backup.deleted", BackupEvent, "A backup was deleted from its account (by a user or by retention)."
)
RESTORE_STARTED = event_spec("ko.backup.restore.started", RestoreEvent, "A restore of a cluster's etcd was started.")
RESTORE_SUCCEEDED = event_spec(
    "ko.backup.restore.succeeded", RestoreEvent, "A restore finished: etcd restored on every member, the API serving."
)
RESTORE_FAILED = event_spec("ko.backup.restore.failed", RestoreEvent, "A restore failed or was cancelled.")
