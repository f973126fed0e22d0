import { describe, expect, test } from 'vitest';
import { event } from '../testData';
import { EventLog, formatEvent, phasesFromEvents, taskGrid } from './eventLog';

describe('event log', () => {
  test('keeps each counter once, in counter order, whatever the arrival order', () => {
    const log = new EventLog();
    expect(log.add([event(1), event(2), event(3)])).toBe(3);
    // a resend after a reconnect overlaps what is held
    expect(log.add([event(2), event(3), event(4)])).toBe(1);
    // a gap filled late lands in its place
    log.add([event(7), event(5)]);
    log.add([event(6)]);
    expect(log.events.map((e) => e.counter)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(log.lastCounter).toBe(7);
    expect(log.hasEnd).toBe(false);
    log.add([event(8, { kind: 'end', status: 'succeeded', host: null, task: null })]);
    expect(log.hasEnd).toBe(true);
  });

  test('ten thousand events in order are appended quickly', () => {
    const log = new EventLog();
    const batch = Array.from({ length: 10_000 }, (_, i) => event(i + 1));
    const started = performance.now();
    for (let i = 0; i < batch.length; i += 500) log.add(batch.slice(i, i + 500));
    log.add(batch); // all again: nothing new
    expect(log.size).toBe(10_000);
    expect(performance.now() - started).toBeLessThan(500);
  });

  test('the task grid: hosts × recent tasks, a failed item stays failed', () => {
    const events = [
      event(1, { kind: 'task_start', status: 'running', host: 'master-1', task: 'A' }),
      event(2, { kind: 'task_result', status: 'ok', changed: true, host: 'master-1', task: 'A' }),
      event(3, { kind: 'item_result', status: 'failed', host: 'worker-1', task: 'B' }),
      event(4, { kind: 'item_result', status: 'ok', host: 'worker-1', task: 'B' }),
      event(5, { kind: 'task_result', status: 'unreachable', host: 'worker-2', task: 'B' }),
      event(6, { kind: 'output', status: 'ok', host: null, task: null }),
    ];
    const grid = taskGrid(events);
    expect(grid.hosts).toEqual(['master-1', 'worker-1', 'worker-2']);
    expect(grid.tasks.map((t) => t.task)).toEqual(['A', 'B']);
    expect(grid.cells.get('master-1')?.get('masters · A')).toBe('changed');
    expect(grid.cells.get('worker-1')?.get('masters · B')).toBe('failed');
    expect(grid.cells.get('worker-2')?.get('masters · B')).toBe('unreachable');
    expect(taskGrid(events, 1).tasks.map((t) => t.task)).toEqual(['B']);
  });

  test('the provision phase runs on no host: its steps show on a row of their own', () => {
    const grid = taskGrid([
      event(1, { phase: 'provision', host: null, task: 'provision', excerpt: 'Provisioning operation wop-1 (provision) started.' }),
      event(2, { phase: 'provision', host: null, task: 'provision/apply', changed: true, excerpt: 'provision: phase apply succeeded.' }),
      event(3, { phase: 'provision', host: null, task: 'provision/register', status: 'failed', excerpt: 'provision: phase register failed.' }),
      event(4, { kind: 'output', phase: 'masters', host: null, task: null }),
    ]);
    expect(grid.hosts).toEqual(['provision']);
    expect(grid.tasks.map((t) => t.task)).toEqual(['provision', 'provision/apply', 'provision/register']);
    expect(grid.cells.get('provision')?.get('provision · provision/apply')).toBe('changed');
    expect(grid.cells.get('provision')?.get('provision · provision/register')).toBe('failed');
  });

  test('phase events give each phase its newest state', () => {
    const phases = phasesFromEvents([
      event(1, { kind: 'phase_start', phase: 'etcd', status: 'running', time: '2026-01-03T00:00:00Z' }),
      event(2, { kind: 'phase_end', phase: 'etcd', status: 'failed', time: '2026-01-03T00:01:00Z' }),
      event(3, { kind: 'phase_start', phase: 'etcd', status: 'running', time: '2026-01-03T00:02:00Z' }),
    ]);
    expect(phases.get('etcd')).toEqual({ status: 'running', startedAt: '2026-01-03T00:02:00Z' });
  });

  test('a log line names counter, time, phase, host, task and status; the download keeps the whole excerpt', () => {
    const e = event(42, { status: 'failed', task: 'Etcd | Start', host: 'master-1', excerpt: 'first\nsecond' });
    expect(formatEvent(e)).toBe('#42 00:04:42 [masters] master-1 task_result Etcd | Start: failed 0.1s — first');
    expect(formatEvent(e, true)).toContain('\nfirst\nsecond');
  });
});
