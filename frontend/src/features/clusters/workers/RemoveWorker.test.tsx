import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { describe, expect, test } from 'vitest';
import i18n from '../../../i18n';
import { fakeApi, page } from '../../../test/api';
import { asAdmin, asManager, asReader } from '../../../test/fixtures';
import { renderPage } from '../../../test/render';
import ClusterDetail from '../Detail';
import { cluster, operation } from '../testData';

const nodes = [
  { host_id: 'h-1', name: 'master-1', ip: '10.213.0.11', role: 'master', status: 'ready' },
  { host_id: 'h-3', name: 'worker-1', ip: '10.213.0.13', role: 'worker', status: 'ready' },
  { host_id: 'h-4', name: 'worker-4', ip: '10.213.0.14', role: 'worker', status: 'joining' },
];
const running = cluster({
  status: 'running',
  status_message: 'Adding workers failed at phase join: worker-4 unreachable. Retry the operation, or remove the new workers.',
  nodes,
  operation: { id: 'op-2', kind: 'add-workers', status: 'failed', phase: 'join', phases_done: 3, phases_total: 6 },
});
const removing = {
  ...running,
  status: 'scaling' as const,
  nodes: nodes.map((n) => (n.name === 'worker-1' ? { ...n, status: 'removing' } : n)),
  operation: { id: 'op-3', kind: 'remove-workers', status: 'queued', phase: null, phases_done: 0, phases_total: 2 },
};

function detail(me = asManager(), routes = {}, c = running) {
  const api = fakeApi({
    'GET /api/v1/clusters/k-1': { body: c },
    'GET /api/v1/operations': { body: page([operation({ id: 'op-3', kind: 'remove-workers', status: 'running' }), operation({ id: 'op-2', kind: 'add-workers', status: 'failed' })]) },
    'DELETE /api/v1/clusters/k-1/workers/worker-1': { status: 202, body: removing },
    'DELETE /api/v1/clusters/k-1/workers/worker-4': { status: 202, body: removing },
    ...routes,
  });
  renderPage(
    <Routes>
      <Route path="/clusters/:clusterId" element={<ClusterDetail />} />
      <Route path="/clusters/:clusterId/operations/:operationId" element={<div>operation view</div>} />
    </Routes>,
    { me, route: '/clusters/k-1' },
  );
  return api;
}

async function openRemove(name: string) {
  await userEvent.click(await screen.findByRole('tab', { name: 'Nodes (3)' }));
  await userEvent.click(await screen.findByTestId(`worker-remove-${name}`));
  return screen.findByRole('dialog');
}

describe('removing a worker', () => {
  test('only worker rows have Remove; the confirmation explains the drain and wants the node’s name typed', async () => {
    const { calls } = detail();
    const dialog = await openRemove('worker-1');
    expect(screen.queryByTestId('worker-remove-master-1')).toBeNull();
    expect(within(dialog).getByText('Remove worker worker-1?')).toBeTruthy();
    expect(within(dialog).getByText(/is cordoned, then drained/)).toBeTruthy();
    const submit = screen.getByTestId<HTMLButtonElement>('worker-remove-submit');
    expect(submit.disabled).toBe(true);
    fireEvent.change(within(dialog).getByTestId('worker-remove-name'), { target: { value: 'worker-4' } });
    expect(submit.disabled).toBe(true);
    fireEvent.change(within(dialog).getByTestId('worker-remove-name'), { target: { value: 'worker-1' } });
    await waitFor(() => expect(submit.disabled).toBe(false));
    await userEvent.click(submit);
    expect(await screen.findByText('operation view')).toBeTruthy();
    const del = calls.find((c) => c.method === 'DELETE');
    expect(del?.path).toBe('/api/v1/clusters/k-1/workers/worker-1');
    expect(del?.search.get('force')).toBeNull();
  });

  test('force for a dead host is explained and sent', async () => {
    const { calls } = detail(asAdmin());
    const dialog = await openRemove('worker-1');
    await userEvent.click(within(dialog).getByTestId('worker-remove-force'));
    expect(within(dialog).getByText(/without draining/)).toBeTruthy();
    fireEvent.change(within(dialog).getByTestId('worker-remove-name'), { target: { value: 'worker-1' } });
    await userEvent.click(screen.getByTestId('worker-remove-submit'));
    await screen.findByText('operation view');
    expect(calls.find((c) => c.method === 'DELETE')?.search.get('force')).toBe('true');
  });

  test('a node that never joined can only go by force; a conflict stays in the dialog', async () => {
    const { calls } = detail(asManager(), {
      'DELETE /api/v1/clusters/k-1/workers/worker-4': {
        status: 409,
        body: { error: 'conflict', detail: 'Cluster prod-1 is busy with operation op-9 (deploy): wait for it or cancel it.', field: 'cluster_id' },
      },
    });
    const dialog = await openRemove('worker-4');
    expect(within(dialog).getByTestId('worker-remove-joining').textContent).toContain('has not joined yet');
    const force = within(dialog).getByTestId<HTMLInputElement>('worker-remove-force');
    expect(force.checked).toBe(true);
    expect(force.disabled).toBe(true);
    fireEvent.change(within(dialog).getByTestId('worker-remove-name'), { target: { value: 'worker-4' } });
    await userEvent.click(screen.getByTestId('worker-remove-submit'));
    expect((await within(dialog).findByTestId('worker-remove-error')).textContent).toContain('busy with operation op-9');
    expect(calls.find((c) => c.method === 'DELETE')?.search.get('force')).toBe('true');
    expect(screen.queryByText('operation view')).toBeNull();
  });
});

describe('node, cluster and operation labels of scaling', () => {
  test('joining, removing, scaling and the worker operations read in English and Chinese', async () => {
    detail(asReader(), {}, removing);
    const tag = await screen.findAllByTestId('cluster-status');
    expect(tag[0].textContent).toBe('Scaling');
    await userEvent.click(screen.getByRole('tab', { name: 'Nodes (3)' }));
    const table = await screen.findByTestId('cluster-nodes');
    const statusOf = (name: string) => within(table).getByText(name).closest('tr')?.querySelector('[data-testid="node-status"]')?.textContent;
    expect([statusOf('master-1'), statusOf('worker-1'), statusOf('worker-4')]).toEqual(['Ready', 'Removing', 'Joining']);
    await userEvent.click(screen.getByRole('tab', { name: 'Operations' }));
    const history = await screen.findByTestId('cluster-operations');
    expect(within(history).getByText('Remove workers')).toBeTruthy();
    expect(within(history).getByText('Add workers')).toBeTruthy();

    await act(() => i18n.changeLanguage('zh-CN'));
    expect(within(history).getByText('移除节点')).toBeTruthy();
    expect(within(history).getByText('添加节点')).toBeTruthy();
    expect(screen.getAllByTestId('cluster-status')[0].textContent).toBe('伸缩中');
    await userEvent.click(screen.getByRole('tab', { name: '节点（3）' }));
    expect([statusOf('worker-1'), statusOf('worker-4')]).toEqual(['移除中', '加入中']);
  });
});
