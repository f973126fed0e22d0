import { describe, expect, test } from 'vitest';
import { ApiError } from '../../../api';
import { DEFAULTS, decimal, linePath, losses, monitoringOperation, nearestTime, niceMax, notInstalled, toBody, toGiB, unreachable } from './monitoring';

describe('the monitoring form', () => {
  test('no class: emptyDir volumes and no size (the API refuses a size alone); a class keeps its size', () => {
    expect(toBody({ ...DEFAULTS, storage_size_gi: 50 })).toEqual({ retention_days: 15, storage_class: null, storage_size_gi: null, loki: true, grafana: true });
    expect(toBody({ ...DEFAULTS, storage_class: ' nfs-client ', storage_size_gi: 50 }, 'prod-1')).toEqual({
      retention_days: 15,
      storage_class: 'nfs-client',
      storage_size_gi: 50,
      loki: true,
      grafana: true,
      confirm: 'prod-1',
    });
  });

  test('what a change deletes: Loki or Grafana turned off, another storage class; nothing on a first install', () => {
    const before = { retention_days: 15, storage_class: 'nfs', storage_size_gi: 20, loki: true, grafana: true };
    expect(losses(null, { ...DEFAULTS, loki: false })).toEqual([]);
    expect(losses(before, { ...DEFAULTS, storage_class: 'nfs', retention_days: 30 })).toEqual([]);
    expect(losses(before, { ...DEFAULTS, storage_class: 'nfs', loki: false, grafana: false })).toEqual(['loki', 'grafana']);
    expect(losses(before, { ...DEFAULTS, storage_class: '' })).toEqual(['storage']);
    expect(losses({ ...before, loki: false }, { ...DEFAULTS, storage_class: 'nfs', loki: false })).toEqual([]);
  });

  test('only a monitoring operation is the tab’s; the summary’s 409 and 502 are told apart', () => {
    const op = { id: 'op-1', kind: 'monitoring-install', status: 'running', phase: null, phases_done: 0, phases_total: 5 };
    expect(monitoringOperation(op)).toBe(op);
    expect(monitoringOperation({ ...op, kind: 'upgrade' })).toBeNull();
    expect(notInstalled(new ApiError(409, { error: 'monitoring_not_installed', detail: 'x' }))).toBe(true);
    expect(notInstalled(new ApiError(409, { error: 'conflict', detail: 'x' }))).toBe(false);
    expect(unreachable(new ApiError(502, { error: 'upstream_error', detail: 'x' }))).toBe(true);
  });
});

describe('the charts’ arithmetic', () => {
  test('a round top at least the largest value', () => {
    expect([0, 0.3, 1, 3.2, 4, 7, 16, 240].map(niceMax)).toEqual([1, 0.5, 1, 5, 5, 10, 20, 250]);
  });

  test('figures in their unit: GiB from bytes, at most two decimals', () => {
    expect(toGiB([[0, 8 * 1024 ** 3]])).toEqual([[0, 8]]);
    expect([1.256, 4, 0.5, 123.4].map(decimal)).toEqual(['1.26', '4', '0.5', '123']);
  });

  test('a path through the points; a missed scrape starts a new segment', () => {
    const d = linePath(
      [
        [0, 0],
        [60, 2],
        [240, 4],
      ],
      { start: 0, end: 240, top: 4, width: 240, height: 100, step: 60 },
    );
    expect(d).toBe('M0.0,100.0 L60.0,50.0 M240.0,0.0');
  });

  test('the hovered time is the nearest one the series have', () => {
    expect(nearestTime([0, 60, 120], 0, 120, 0.4)).toBe(60);
    expect(nearestTime([0, 60, 120], 0, 120, 2)).toBe(120);
    expect(nearestTime([], 0, 120, 0.5)).toBeNull();
  });
});
