// The model of a cluster's monitoring tab: the form's values and the body they make, which changes
// delete data (the API wants the cluster's name then), the ranges offered, and the arithmetic of the
// charts (scales, gaps, units). No React here: monitoring.test.ts checks it directly.
import { ApiError, type Schemas } from '../../../api';
import type { OperationRef } from '../api';

export type Settings = Schemas['MonitoringSettings'];
export type MonitoringPut = Schemas['MonitoringPut'];
export type Summary = Schemas['MonitoringSummary'];
export type Figures = Schemas['Figures'];
export type Point = [number, number];
export type Figure = 'cpu_used_cores' | 'cpu_cores' | 'memory_used_bytes' | 'memory_total_bytes' | 'pods';

/** The API's defaults (MonitoringSettings): 15 days, no storage class (emptyDir), Loki and Grafana on. */
export const DEFAULT_SIZE_GI = 20;
export interface Values {
  retention_days: number;
  storage_class: string;
  storage_size_gi: number | null;
  loki: boolean;
  grafana: boolean;
}
export const DEFAULTS: Values = { retention_days: 15, storage_class: '', storage_size_gi: null, loki: true, grafana: true };
export const FIELDS = ['retention_days', 'storage_class', 'storage_size_gi', 'loki', 'grafana', 'confirm'] as const;

export const toValues = (s: Settings | null | undefined): Values =>
  s
    ? {
        retention_days: s.retention_days ?? DEFAULTS.retention_days,
        storage_class: s.storage_class ?? '',
        storage_size_gi: s.storage_size_gi ?? null,
        loki: s.loki ?? true,
        grafana: s.grafana ?? true,
      }
    : DEFAULTS;

/** The PUT's body: no class means emptyDir volumes, and a size only goes with a class (the API refuses it alone). */
export function toBody(v: Values, confirm?: string): MonitoringPut {
  const storageClass = v.storage_class.trim() || null;
  const body: MonitoringPut = {
    retention_days: v.retention_days,
    storage_class: storageClass,
    storage_size_gi: storageClass ? v.storage_size_gi : null,
    loki: v.loki,
    grafana: v.grafana,
  };
  if (confirm !== undefined) body.confirm = confirm;
  return body;
}

export type Loss = 'loki' | 'grafana' | 'storage';
/** What a change of the installed settings deletes (the service's rule): Loki or Grafana turned off, another storage class. */
export function losses(before: Settings | null | undefined, after: Values): Loss[] {
  if (!before) return [];
  const out: Loss[] = [];
  if ((before.loki ?? true) && !after.loki) out.push('loki');
  if ((before.grafana ?? true) && !after.grafana) out.push('grafana');
  if ((before.storage_class || null) !== (after.storage_class.trim() || null)) out.push('storage');
  return out;
}

/** The cluster's operation when it is a monitoring one: its progress shows on the tab. */
export const monitoringOperation = (op: OperationRef | null | undefined): OperationRef | null =>
  op && op.kind.startsWith('monitoring-') ? op : null;

/** The summary's 409: Prometheus is not in the cluster (whatever the last operation says), so offer the install. */
export const notInstalled = (e: unknown) => e instanceof ApiError && e.status === 409 && e.code === 'monitoring_not_installed';
/** The summary's 502: Prometheus did not answer (or answered nonsense). */
export const unreachable = (e: unknown) => e instanceof ApiError && e.status === 502;

/** The ranges offered, each with a step giving 60–96 points (the API takes a step of 15 s to 1 h). */
export const RANGES = [
  { key: '15m', minutes: 15, step: 15 },
  { key: '1h', minutes: 60, step: 60 },
  { key: '6h', minutes: 360, step: 300 },
  { key: '24h', minutes: 1440, step: 900 },
] as const;
export type RangeKey = (typeof RANGES)[number]['key'];

export const GIB = 1024 ** 3;
/** A series of bytes as GiB: the memory chart's axis then has round GiB ticks. */
export const toGiB = (points: readonly Point[] | undefined): Point[] => (points ?? []).map(([t, v]) => [t, v / GIB]);
/** A figure as shown: at most two decimals, no trailing zeros (cores, GiB, pods). */
export const decimal = (v: number) => String(Number(v.toFixed(v >= 100 ? 0 : 2)));

/** The last value of a series (null when empty). */
export const latest = (points: readonly Point[] | undefined): number | null => (points?.length ? points[points.length - 1][1] : null);

/** The value at a time (the series' point there, null when it has none). */
export const valueAt = (points: readonly Point[] | undefined, at: number): number | null => points?.find((p) => p[0] === at)?.[1] ?? null;

/** A round top for an axis: 1, 2, 2.5 or 5 times a power of ten, at least `max` (1 for an empty or flat-zero chart). */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= max * (1 - 1e-9)) return m * power;
  return 10 * power;
}

/**
 * An SVG path through the points (x from `start` to `end`, y from 0 to `top`, in a box of `width` ×
 * `height`); a gap longer than 1.5 steps starts a new segment, so a missed scrape is not drawn as data.
 */
export function linePath(points: readonly Point[], box: { start: number; end: number; top: number; width: number; height: number; step: number }): string {
  const span = Math.max(1, box.end - box.start);
  const x = (t: number) => ((t - box.start) / span) * box.width;
  const y = (v: number) => box.height - (Math.min(v, box.top) / box.top) * box.height;
  let previous: number | null = null;
  const parts: string[] = [];
  for (const [t, v] of points) {
    const jump = previous === null || t - previous > box.step * 1.5;
    parts.push(`${jump ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`);
    previous = t;
  }
  return parts.join(' ');
}

/** The timestamp nearest to a fraction (0–1) of the range, among the times the series have. */
export function nearestTime(times: readonly number[], start: number, end: number, fraction: number): number | null {
  if (!times.length) return null;
  const at = start + Math.min(1, Math.max(0, fraction)) * (end - start);
  return times.reduce((best, t) => (Math.abs(t - at) < Math.abs(best - at) ? t : best), times[0]);
}
