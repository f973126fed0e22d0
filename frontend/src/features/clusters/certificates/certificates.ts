// The model of a cluster's certificates tab: who may check and renew, when, the colour of a
// certificate's days left, and when the list must be read again.
import { ApiError } from '../../../api';
import type { OperationRef } from '../api';
import { workersBlocked } from '../workers/workers';

/** The workers' rule (the gateway's too): project managers and admins, on a running cluster with no operation under way. */
export const certificatesBlocked = workersBlocked;

/** The operations that (re)write the stored certificates. */
export const CERTIFICATE_KINDS = new Set(['check-certificates', 'renew-certificates']);
const ACTIVE = new Set(['queued', 'running']);

/**
 * Red within the API's warning window (`expiring_within_days`, the expired too), orange within
 * 90 days, green beyond.
 */
export function daysLeftColor(daysLeft: number, warningDays: number): 'red' | 'orange' | 'green' {
  if (daysLeft <= warningDays) return 'red';
  if (daysLeft <= 90) return 'orange';
  return 'green';
}

/** The cluster's operation when it is a certificates one (its progress is shown on the tab). */
export const certificatesOperation = (op: OperationRef | null | undefined): OperationRef | null =>
  op && CERTIFICATE_KINDS.has(op.kind) ? op : null;

/**
 * Whether the list must be fetched again: the certificates operation `watched` (seen queued or
 * running) has now ended. Returns the operation to watch from now on.
 */
export function afterOperation(watched: string | null, op: Pick<OperationRef, 'id' | 'status'> | null): { watch: string | null; refetch: boolean } {
  if (!op) return { watch: watched, refetch: false };
  if (ACTIVE.has(op.status)) return { watch: op.id, refetch: false };
  return { watch: null, refetch: watched === op.id };
}

/** A refusal that means the page is stale (the cluster busy or not running: 409): fetch the cluster again. */
export const staleAfter = (error: unknown) => error instanceof ApiError && error.status === 409;
