import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { fakeApi } from '../../../test/api';
import { asManager, asReader } from '../../../test/fixtures';
import { renderPage } from '../../../test/render';
import type { Operation, OperationEvent } from '../api';
import { cluster, event, operation, PHASES } from '../testData';
import DeployView from './DeployView';

class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static instances: FakeEventSource[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, ((e: MessageEvent) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }
  addEventListener(type: string, fn: (e: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close() {
    this.readyState = FakeEventSource.CLOSED;
  }
  open() {
    this.readyState = FakeEventSource.OPEN;
    act(() => this.onopen?.());
  }
  events(batch: OperationEvent[]) {
    const message = new MessageEvent('ko.operation-events', { data: JSON.stringify(batch), lastEventId: String(batch[batch.length - 1].counter) });
    act(() => this.listeners.get('ko.operation-events')?.forEach((fn) => fn(message)));
  }
  end() {
    act(() => this.listeners.get('ko.operation-end')?.forEach((fn) => fn(new MessageEvent('ko.operation-end', { data: '{}' }))));
  }
  fail() {
    this.readyState = FakeEventSource.CLOSED;
    act(() => this.onerror?.());
  }
}

const latest = () => FakeEventSource.instances[FakeEventSource.instances.length - 1];
const counters = () => [...screen.getByTestId('event-log').querySelectorAll('[data-counter]')].map((el) => Number(el.getAttribute('data-counter')));
const ROUTE = { route: '/clusters/k-1/operations/op-1', path: '/clusters/:clusterId/operations/:operationId' };

beforeEach(() => {
  FakeEventSource.instances = [];
  vi.stubGlobal('EventSource', FakeEventSource);
});

function gateway(op: { current: Operation }, extra = {}) {
  return fakeApi({
    'GET /api/v1/operations/op-1': () => ({ body: op.current }),
    'GET /api/v1/clusters/k-1': { body: cluster() },
    ...extra,
  });
}

describe('live deploy view', () => {
  test('events are shown once each, in counter order, and the end marker shows the end state without a reload', async () => {
    const op = { current: operation() };
    gateway(op);
    renderPage(<DeployView />, { me: asReader(), ...ROUTE });
    await waitFor(() => expect(latest()?.url).toBe('/api/v1/live/operations/op-1'));
    latest().open();
    expect((await screen.findByTestId('stream-state')).getAttribute('data-state')).toBe('open');
    latest().events([event(1, { kind: 'phase_start', status: 'running', host: null, task: null }), event(2), event(3)]);
    // overlap, a duplicate and one out of order
    latest().events([event(2), event(3), event(5), event(4, { status: 'failed', host: 'worker-1', task: 'Kubelet | Start' })]);
    await waitFor(() => expect(counters()).toEqual([1, 2, 3, 4, 5]));
    expect(screen.getByTestId('event-log').getAttribute('data-count')).toBe('5');
    const grid = screen.getByTestId('task-grid');
    expect(within(grid).getByTestId('grid-host-worker-1').querySelector('[data-status="failed"]')).toBeTruthy();
    expect(screen.getByTestId('phase-masters').getAttribute('data-status')).toBe('running');
    // A reader sees no retry or cancel.
    expect(screen.queryByTestId('operation-cancel')).toBeNull();
    expect(screen.queryByTestId('operation-retry')).toBeNull();

    op.current = operation({
      status: 'succeeded',
      ended_at: '2026-01-03T00:09:00Z',
      last_counter: 6,
      phases: operation().phases.map((p) => ({ ...p, status: 'succeeded', started_at: p.started_at ?? '2026-01-03T00:06:00Z', ended_at: '2026-01-03T00:08:00Z' })),
    });
    latest().events([event(6, { kind: 'end', status: 'succeeded', host: null, task: null })]);
    latest().end();
    await waitFor(() => expect(screen.getByTestId('stream-state').getAttribute('data-state')).toBe('ended'));
    expect(await screen.findByTestId('operation-succeeded')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('phase-network').getAttribute('data-status')).toBe('succeeded'));
    expect(counters()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(screen.getByTestId('operation-status').getAttribute('data-status')).toBe('succeeded');
  });

  test('after a dropped connection it back-fills from the last counter, then resumes the stream there', async () => {
    const op = { current: operation() };
    const { calls } = gateway(op, {
      'GET /api/v1/operations/op-1/events': { body: { items: [event(3), event(4)], last_counter: 4, done: false } },
    });
    renderPage(<DeployView />, { me: asReader(), ...ROUTE });
    await waitFor(() => expect(latest()).toBeTruthy());
    latest().open();
    latest().events([event(1), event(2)]);
    latest().fail();
    expect((await screen.findByTestId('stream-state')).getAttribute('data-state')).toBe('retrying');
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(2), { timeout: 10_000 });
    const backfill = calls.find((c) => c.path === '/api/v1/operations/op-1/events');
    expect(backfill?.search.get('after')).toBe('2');
    expect(latest().url).toBe('/api/v1/live/operations/op-1?after=4');
    latest().open();
    latest().events([event(4), event(5)]);
    await waitFor(() => expect(counters()).toEqual([1, 2, 3, 4, 5]));
  });

  test('a failed operation: the error panel, and retry for a project manager reopens the stream', async () => {
    const user = userEvent.setup({ delay: null });
    const failure = {
      message: 'Phase masters failed on master-1 at Kubeadm | Init.',
      phase: 'masters',
      host: 'master-1',
      task: 'Kubeadm | Init',
      excerpt: '[ERROR Port-6443]: Port 6443 is in use',
      hint: 'Something else listens on 6443: stop it or choose another host.',
    };
    const failed = operation({
      status: 'failed',
      failure,
      last_counter: 2,
      phases: operation().phases.map((p) => (p.name === 'masters' ? { ...p, status: 'failed', ended_at: '2026-01-03T00:05:00Z' } : p)),
    });
    const op = { current: failed };
    const { calls } = gateway(op, { 'POST /api/v1/operations/op-1/retry': () => ({ body: (op.current = operation({ status: 'queued', attempts: 2 })) }) });
    renderPage(<DeployView />, { me: asManager(), ...ROUTE });
    const panel = await screen.findByTestId('error-panel');
    expect(within(panel).getByText(failure.message)).toBeTruthy();
    expect(within(panel).getByText('Kubeadm | Init')).toBeTruthy();
    expect(within(panel).getByTestId('error-excerpt').textContent).toBe(failure.excerpt);
    expect(within(panel).getByTestId('error-hint').textContent).toContain(failure.hint);
    expect(screen.queryByTestId('operation-cancel')).toBeNull();
    await waitFor(() => expect(latest()).toBeTruthy());
    latest().open();
    latest().events([event(1), event(2, { kind: 'end', status: 'failed', host: null, task: null })]);
    latest().end();
    await waitFor(() => expect(screen.getByTestId('stream-state').getAttribute('data-state')).toBe('ended'));

    await user.click(await screen.findByTestId('operation-retry'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/v1/operations/op-1/retry')).toBe(true));
    await waitFor(() => expect(latest().url).toBe('/api/v1/live/operations/op-1?after=2'));
    // The queued operation can be cancelled; the phases are still listed.
    expect(await screen.findByTestId('operation-cancel')).toBeTruthy();
    expect(PHASES.every((name) => screen.getByTestId(`phase-${name}`))).toBe(true);
  });

  test('a worker or certificates operation is titled by its kind and its success says what changed', async () => {
    const done = (kind: string) =>
      operation({ kind, status: 'succeeded', ended_at: '2026-01-03T00:09:00Z', phases: [{ ...operation().phases[0], name: 'drain', status: 'succeeded' }] });
    for (const [kind, title, text] of [
      ['add-workers', 'Add workers · prod-1', 'Done: the new workers joined prod-1.'],
      ['remove-workers', 'Remove workers · prod-1', 'Done: the worker left prod-1 and its host is free again.'],
      ['rebuild-worker', 'Rebuild worker · prod-1', 'Done: the worker was rebuilt and joined prod-1 again.'],
      ['check-certificates', 'Check certificates · prod-1', 'Done: the certificates of prod-1 were read.'],
      ['renew-certificates', 'Renew certificates · prod-1', 'Done: the certificates of prod-1 were renewed and the admin kubeconfig refreshed.'],
    ]) {
      gateway({ current: done(kind) });
      const { unmount } = renderPage(<DeployView />, { me: asReader(), ...ROUTE });
      expect(await screen.findByText(title)).toBeTruthy();
      await waitFor(() => expect(latest()).toBeTruthy());
      latest().open();
      latest().events([event(1, { kind: 'end', status: 'succeeded', host: null, task: null })]);
      latest().end();
      expect((await screen.findByTestId('operation-succeeded')).textContent).toContain(text);
      unmount();
    }
  });
});
