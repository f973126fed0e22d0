import { describe, expect, test } from 'vitest';
import { ApiError } from '../../../api';
import { asAdmin, asManager, asReader, host } from '../../../test/fixtures';
import { cluster } from '../testData';
import { candidates, checkDrafts, mapErrors, notReadyWorkers, rebuildRefusal, toBody, workersBlocked, type WorkerDraft } from './workers';

const drafts: WorkerDraft[] = [
  { host_id: 'h-4', labels: [{ key: 'example.com/rack', value: 'r1' }], taints: [] },
  {
    host_id: 'h-5',
    labels: [
      { key: ' example.com/zone ', value: ' a ' },
      { key: 'kubernetes.io/role', value: 'gpu' },
    ],
    // The blank first row is not sent: the API's taints.0 is the dialog's row 1.
    taints: [
      { key: '', value: '', effect: 'NoSchedule' },
      { key: 'example.com/gpu', value: 'yes', effect: 'NoExecute' },
    ],
  },
];
const describe_ = (e: unknown) => (e instanceof ApiError ? e.detail : 'unexpected');
const unprocessable = (fields: { field: string; message: string }[]) => new ApiError(422, { error: 'invalid_input', detail: 'Invalid input.', fields });

describe('who may change the workers, and when', () => {
  const running = cluster({ status: 'running', operation: { id: 'op-1', kind: 'deploy', status: 'succeeded', phase: null, phases_done: 4, phases_total: 4 } });

  test('a project manager or an admin of a running, idle cluster; a reader never', () => {
    expect(workersBlocked(asManager(), running)).toBeNull();
    expect(workersBlocked(asAdmin(), running)).toBeNull();
    expect(workersBlocked(asReader(), running)).toBe('readOnly');
    expect(workersBlocked(null, running)).toBe('readOnly');
  });

  test('not while an operation is queued or running, nor on a cluster that is not running', () => {
    const busy = { ...running, status: 'scaling' as const, operation: { ...running.operation!, kind: 'add-workers', status: 'running' } };
    expect(workersBlocked(asManager(), busy)).toBe('busy');
    expect(workersBlocked(asManager(), { ...running, status: 'failed' })).toBe('notRunning');
    expect(workersBlocked(asManager(), { ...running, operation: null, status: 'deploying' })).toBe('notRunning');
  });
});

describe('the hosts offered', () => {
  test('this cluster’s own hosts are left out; those that can join come first', () => {
    const hosts = [
      host({ id: 'h-1', name: 'master-1', cluster_id: 'k-1' }),
      host({ id: 'h-6', name: 'busy', cluster_id: 'k-2' }),
      host({ id: 'h-7', name: 'down', status: 'unreachable' }),
      host({ id: 'h-4', name: 'free' }),
    ];
    expect(candidates(hosts, 'k-1').map((h) => h.name)).toEqual(['free', 'busy', 'down']);
  });
});

describe('the body sent', () => {
  test('labels as a map, taints as a list, blank rows left out, trimmed', () => {
    expect(toBody(drafts).nodes[1]).toEqual({
      host_id: 'h-5',
      labels: { 'example.com/zone': 'a', 'kubernetes.io/role': 'gpu' },
      taints: [{ key: 'example.com/gpu', value: 'yes', effect: 'NoExecute' }],
    });
    expect(toBody(drafts).nodes[0].taints).toEqual([]);
  });

  test('a value without a key, or a label key twice, is caught before sending, on its row', () => {
    const bad: WorkerDraft[] = [
      {
        host_id: 'h-4',
        labels: [
          { key: 'rack', value: 'r1' },
          { key: 'rack ', value: 'r2' },
          { key: '', value: 'x' },
        ],
        taints: [{ key: '', value: 'yes', effect: 'NoSchedule' }],
      },
    ];
    expect(checkDrafts(bad)).toEqual([
      { host_id: 'h-4', kind: 'labels', row: 1, problem: 'keyTwice', key: 'rack' },
      { host_id: 'h-4', kind: 'labels', row: 2, problem: 'keyRequired' },
      { host_id: 'h-4', kind: 'taints', row: 0, problem: 'keyRequired' },
    ]);
    expect(checkDrafts(drafts)).toEqual([]);
  });
});

describe('where the API’s errors go', () => {
  test('nodes[i].host_id on that host; nodes.i.labels on the label it names; nodes.i.taints.j.field on that taint row', () => {
    const out = mapErrors(
      unprocessable([
        { field: 'nodes[0].host_id', message: 'host worker-4 already belongs to cluster k-2' },
        { field: 'nodes.1.labels', message: "label 'kubernetes.io/role': the kubernetes.io and k8s.io prefixes are Kubernetes' own; use yours" },
        { field: 'nodes.1.taints.0.effect', message: "Input should be 'NoSchedule', 'PreferNoSchedule' or 'NoExecute'" },
      ]),
      drafts,
      describe_,
    );
    expect(out.banner).toEqual([]);
    expect(out.hosts['h-4'].host).toEqual(['host worker-4 already belongs to cluster k-2']);
    expect(out.hosts['h-5'].labelRows).toEqual({ 1: ["label 'kubernetes.io/role': the kubernetes.io and k8s.io prefixes are Kubernetes' own; use yours"] });
    expect(out.hosts['h-5'].taintRows).toEqual({ 1: ["effect: Input should be 'NoSchedule', 'PreferNoSchedule' or 'NoExecute'"] });
  });

  test('a label the sentence does not name goes on the host’s labels; a value check names key=', () => {
    const out = mapErrors(
      unprocessable([
        { field: 'nodes.0.labels', message: 'Input should be a valid dictionary' },
        { field: 'nodes.1.labels', message: "label example.com/zone='a b': a value is up to 63 letters, digits, '-', '_' or '.'" },
      ]),
      drafts,
      describe_,
    );
    expect(out.hosts['h-4'].labels).toEqual(['Input should be a valid dictionary']);
    expect(Object.keys(out.hosts['h-5'].labelRows)).toEqual(['0']);
  });

  test('409 (busy, not running) and a field of no chosen host go to the banner', () => {
    const busy = new ApiError(409, { error: 'conflict', detail: 'Cluster prod-1 is busy with operation op-2 (deploy): wait for it or cancel it.', field: 'cluster_id' });
    expect(mapErrors(busy, drafts, describe_)).toEqual({ hosts: {}, banner: ['Cluster prod-1 is busy with operation op-2 (deploy): wait for it or cancel it.'] });
    const out = mapErrors(unprocessable([{ field: 'nodes', message: 'List should have at least 1 item' }, { field: 'nodes[7].host_id', message: 'x' }]), drafts, describe_);
    expect(out.banner).toEqual(['nodes: List should have at least 1 item', 'nodes[7].host_id: x']);
    expect(mapErrors(new Error('boom'), drafts, describe_).banner).toEqual(['unexpected']);
  });
});

describe('rebuilding', () => {
  test('a refusal is said as the API says it; the page is read again when the node is gone or the cluster busy or stopped', () => {
    const refusal = (status: number, field: string, detail: string) => rebuildRefusal(new ApiError(status, { error: 'x', detail, field }), describe_);
    expect(refusal(409, 'cluster_id', 'Cluster prod-1 is failed: workers are rebuilt only on a running cluster.')).toEqual({
      text: 'Cluster prod-1 is failed: workers are rebuilt only on a running cluster.',
      stale: true,
    });
    expect(refusal(404, 'node', 'Cluster prod-1 has no node worker-9.').stale).toBe(true);
    // The cluster itself gone is the page's own 404, a master can not be chosen here: nothing to catch up.
    expect(refusal(404, 'cluster_id', 'No cluster k-1.').stale).toBe(false);
    expect(refusal(422, 'node', 'master-1 is a master: only workers are rebuilt.')).toEqual({ text: 'master-1 is a master: only workers are rebuilt.', stale: false });
    expect(rebuildRefusal(new Error('boom'), describe_)).toEqual({ text: 'unexpected', stale: false });
  });

  test('the workers offered for a rebuild first are the not-ready ones; a not-ready master is not', () => {
    const nodes = [
      { name: 'master-1', role: 'master', status: 'not-ready' },
      { name: 'worker-1', role: 'worker', status: 'ready' },
      { name: 'worker-2', role: 'worker', status: 'not-ready' },
      { name: 'worker-3', role: 'worker', status: 'rebuilding' },
    ];
    expect(notReadyWorkers(nodes).map((n) => n.name)).toEqual(['worker-2']);
  });
});
