import type { TFunction } from 'i18next';

const KINDS = ['deploy', 'reset', 'scale', 'upgrade', 'add-workers', 'remove-workers', 'rebuild-worker', 'check-certificates', 'renew-certificates'] as const;

/** An operation kind in the console's language (an unknown one as the API names it). */
export function kindLabel(t: TFunction, kind: string): string {
  const known = KINDS.find((k) => k === kind);
  return known ? t(`operations.kind.${known}`) : kind;
}

/** "5s", "1m 05s", "2h 03m" */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** How long a node has been not ready, as the operations' durations read ("2h 03m"). */
export const notReadyFor = (since: string, now = Date.now()) => formatDuration(now - Date.parse(since));
