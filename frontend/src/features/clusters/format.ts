import type { TFunction } from 'i18next';

const KINDS = [
  'deploy',
  'reset',
  'scale',
  'upgrade',
  'add-workers',
  'remove-workers',
  'rebuild-worker',
  'add-masters',
  'remove-masters',
  'check-certificates',
  'renew-certificates',
  'etcd-backup',
  'etcd-restore',
  'monitoring-install',
  'monitoring-uninstall',
] as const;

/** An operation kind in the console's language (an unknown one as the API names it). */
export function kindLabel(t: TFunction, kind: string): string {
  const known = KINDS.find((k) => k === kind);
  return known ? t(`operations.kind.${known}`) : kind;
}

// An upgrade names its phases after each step's version (services/ko_deployment/clusters/upgrade.py):
// the prefix is said in the console's language, the version kept as it is.
const UPGRADE_PHASE = /^(preflight|packages|control-plane|workers|version)-(\d+\.\d+\.\d+\S*)$/;

/** A phase name as users read it: an upgrade's phases translated, the others as the playbooks name them. */
export function phaseLabel(t: TFunction, name: string): string {
  if (name === 'etcd-snapshot') return t('operations.upgradePhase.etcd-snapshot');
  // A cluster on VMs from a plan: its deploy starts by creating them, its reset ends by destroying them.
  if (name === 'provision' || name === 'deprovision') return t(`provisioning.phase.${name}`);
  const m = UPGRADE_PHASE.exec(name);
  if (!m) return name;
  const prefix = m[1] as 'preflight' | 'packages' | 'control-plane' | 'workers' | 'version';
  return t(`operations.upgradePhase.${prefix}`, { version: m[2] });
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
