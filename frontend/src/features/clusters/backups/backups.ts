// The model of a cluster's backups tab: who may back up and restore, when, which operation's progress
// the tab shows, and what a restore's confirmation needs.
import type { Schemas } from '../../../api';
import type { OperationRef } from '../api';
import { workersBlocked } from '../workers/workers';
import type { Backup, BackupStatus, Restore, RestoreStatus } from './api';

/**
 * Backing up and restoring run as Day-2 operations of the cluster: project managers and admins, on a
 * running cluster with no operation under way (the deployment service refuses otherwise, 409).
 */
export const backupBlocked = workersBlocked;

export const BACKUP_COLOR: Record<BackupStatus, string> = { running: 'processing', good: 'green', failed: 'red', deleted: 'default' };
export const RESTORE_COLOR: Record<RestoreStatus, string> = { running: 'processing', succeeded: 'green', failed: 'red', cancelled: 'orange' };

/** Only a good backup (complete in its account, checksum matched) can be restored. */
export const restorable = (backup: Pick<Backup, 'status'>) => backup.status === 'good';

/** The restore's confirmation: the cluster's name exactly as it is (the API checks it again). */
export const confirmsName = (typed: string, name: string) => typed === name;

/** "9f86d081884c…" for a sha256 (the whole one is copied). */
export const shortSha = (sha: string | null | undefined) => (sha ? `${sha.slice(0, 12)}…` : '');

/** An operation as the progress bar reads it: phases done of all, the phase running or failed. */
export function toRef(op: Schemas['OperationOut']): OperationRef {
  return {
    id: op.id,
    kind: op.kind,
    status: op.status,
    phase: op.phases.find((p) => p.status === 'running' || p.status === 'failed')?.name ?? null,
    phases_done: op.phases.filter((p) => p.status === 'succeeded').length,
    phases_total: op.phases.length,
  };
}

/**
 * The operation the tab follows: the one just started here, else that of the newest backup or
 * restore still running (after a reload, or one another user or the schedule started).
 */
export function followedOperation(started: string | null, backups: Backup[], restores: Restore[]): string | null {
  if (started) return started;
  const running = [...restores, ...backups].find((r) => r.status === 'running' && r.operation_id);
  return running?.operation_id ?? null;
}
