// The upgrade path as the server will take it, shown before anything is sent. It mirrors
// services/ko_deployment/clusters/upgrade.py `upgrade_path` (one minor version at a time, the newest
// imported patch of each minor in between, then the target); the server computes it again and its
// refusal (422 `version`) is what counts.
import type { OfflinePackage } from '../../packages/api';

type Version = [number, number, number];
const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;

/** 1.36.2 as numbers; anything else (a pre-release, a "v" prefix) is no version an upgrade goes to. */
export function parseVersion(version: string): Version | null {
  const m = VERSION.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

export type UpgradePath =
  | { ok: true; steps: string[] }
  | { ok: false; reason: 'invalid' | 'notNewer' | 'otherMajor' | 'missing' }
  /** The path goes through `minor` (e.g. "1.35") and no package of it is imported. */
  | { ok: false; reason: 'gap'; minor: string };

/** The versions to go through from `current` to `target`, given the versions with a ready package. */
export function upgradePath(current: string, target: string, available: string[]): UpgradePath {
  const now = parseVersion(current);
  const want = parseVersion(target);
  if (!want) return { ok: false, reason: 'invalid' };
  if (!now || compare(want, now) <= 0) return { ok: false, reason: 'notNewer' };
  if (want[0] !== now[0]) return { ok: false, reason: 'otherMajor' };
  if (!available.includes(target)) return { ok: false, reason: 'missing' };
  const steps: string[] = [];
  for (let minor = now[1] + 1; minor < want[1]; minor++) {
    const newest = available
      .map((v) => [v, parseVersion(v)] as const)
      .filter((e): e is readonly [string, Version] => !!e[1] && e[1][0] === now[0] && e[1][1] === minor)
      .sort((a, b) => compare(b[1], a[1]))[0];
    if (!newest) return { ok: false, reason: 'gap', minor: `${now[0]}.${minor}` };
    steps.push(newest[0]);
  }
  steps.push(target);
  return { ok: true, steps };
}

/** The Kubernetes versions of the ready packages of `arch`, newest first, once each. */
export function readyVersions(packages: Pick<OfflinePackage, 'kubernetes_version' | 'arch' | 'status'>[], arch: string): string[] {
  const versions = new Set(packages.filter((p) => p.status === 'ready' && p.arch === arch && parseVersion(p.kubernetes_version)).map((p) => p.kubernetes_version));
  return [...versions].sort((a, b) => compare(parseVersion(b)!, parseVersion(a)!));
}

/** The versions offered: newer than the cluster's, newest first. */
export function newerVersions(current: string, available: string[]): string[] {
  const now = parseVersion(current);
  return now ? available.filter((v) => compare(parseVersion(v)!, now) > 0) : [];
}

/** The percentage field: empty is one worker at a time (null), else a whole number from 1 to 100. */
export function batchPercent(value: number | null | undefined): number | null | 'invalid' {
  if (value === null || value === undefined) return null;
  return Number.isInteger(value) && value >= 1 && value <= 100 ? value : 'invalid';
}
