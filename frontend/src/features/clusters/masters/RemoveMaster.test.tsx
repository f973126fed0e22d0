import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { describe, expect, test } from 'vitest';
import { fakeApi, page } from '../../../test/api';
import { asAdmin, asManager } from '../../../test/fixtures';
import { renderPage } from '../../../test/render';
import ClusterDetail from '../Detail';
import { cluster } from '../testData';

const idle = { id: 'op-1', kind: 'deploy', status: 'succeeded', phase: null, phases_done: 4, phases_total: 4 };
const nodes = [
  { host_id: 'h-1', name: 'master-1', ip: '10.213.0.11', role: 'master', status: 'ready' },
  { host_id: 'h-2', name: 'master-2', ip: '10.213.0.12', role: 'master', status: 'ready' },
  { host_id: 'h-4', name: 'master-3', ip: '10.213.0.14', role: 'master', status: 'not-ready' },
  { host_id: 'h-3', name: 'worker-1', ip: '10.213.0.13', role: 'worker', status: 'ready' },
];
const three = cluster({ status: 'running', status_message: 'Running.', nodes, operation: idle });
const single = cluster({ status: 'running', status_message: 'Running.', operation: idle, nodes: [nodes[0], nodes[3]] });
const removing = {
  ...three,
  status: 'scaling' as const,
  nodes: nodes.map((n) => (n.name === 'master-2' ? { ...n, status: 'removing' } : n)),
  operation: { id: 'op-5', kind: 'remove-masters', status: 'queued', phase: null, phases_done: 0, phases_total: 7 },
};

function detail(me = asManager(), routes = {}, c = three) {
  const api = fakeApi({
    'GET /api/v1/clusters/k-1': { body: c },
    'GET /api/v1/operations': { body: page([]) },
    'DELETE /api/v1/clusters/k-1/masters/master-2': { status: 202, body: removing },
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

async function openRemove(name: string, count = 4) {
  await userEvent.click(await screen.findByRole('tab', { name: `Nodes (${count})` }));
  await userEvent.click(await screen.findByTestId(`master-remove-${name}`));
  return screen.findByRole('dialog');
}

describe('removing a master', () => {
  test('the confirmation explains etcd, drain, reset and release, wants the name typed, and sends no force by default', async () => {
    const { calls } = detail();
    const dialog = await openRemove('master-2');
    // Masters get Remove, not Rebuild; workers keep theirs.
    expect(screen.queryByTestId('worker-rebuild-master-1')).toBeNull();
    expect(screen.getByTestId('worker-remove-worker-1')).toBeTruthy();
    expect(within(dialog).getByText('Remove master master-2?')).toBeTruthy();
    const text = within(dialog).getByText(/is drained/).textContent ?? '';
    expect(text).toContain('etcd member is removed while the other members are healthy');
    expect(text).toContain('host is reset');
    expect(text).toContain('returns to the inventory');
    expect(within(dialog).getByText(/lose its quorum/)).toBeTruthy();
    const submit = screen.getByTestId<HTMLButtonElement>('master-remove-submit');
    expect(submit.disabled).toBe(true);
    fireEvent.change(within(dialog).getByTestId('master-remove-name'), { target: { value: 'master-1' } });
    expect(submit.disabled).toBe(true);
    fireEvent.change(within(dialog).getByTestId('master-remove-name'), { target: { value: 'master-2' } });
    await waitFor(() => expect(submit.disabled).toBe(false));
    await userEvent.click(submit);
    expect(await screen.findByText('operation view')).toBeTruthy();
    const del = calls.find((c) => c.method === 'DELETE');
    expect(del?.path).toBe('/api/v1/clusters/k-1/masters/master-2');
    expect(del?.search.get('force')).toBeNull();
  });

  test('force for a dead host is explained and sent', async () => {
    const { calls } = detail(asAdmin());
    const dialog = await openRemove('master-2');
    await userEvent.click(within(dialog).getByTestId('master-remove-force'));
    expect(within(dialog).getByText(/deleted without draining/)).toBeTruthy();
    fireEvent.change(within(dialog).getByTestId('master-remove-name'), { target: { value: 'master-2' } });
    await userEvent.click(screen.getByTestId('master-remove-submit'));
    await screen.findByText('operation view');
    expect(calls.find((c) => c.method === 'DELETE')?.search.get('force')).toBe('true');
  });

  test('the API’s refusal (409, quorum) stays in the dialog and the cluster is read again', async () => {
    const detail409 =
      'Cannot remove master master-1: removing master-1 would lose etcd’s quorum: of the 2 members left only 1 would be healthy (master-3 not ready) and etcd needs 2. Repair or remove master-3 first.';
    const { calls } = detail(asManager(), {
      'DELETE /api/v1/clusters/k-1/masters/master-1': { status: 409, body: { error: 'conflict', detail: detail409, field: 'node' } },
    });
    const dialog = await openRemove('master-1');
    const reads = calls.filter((c) => c.method === 'GET' && c.path === '/api/v1/clusters/k-1').length;
    fireEvent.change(within(dialog).getByTestId('master-remove-name'), { target: { value: 'master-1' } });
    await userEvent.click(screen.getByTestId('master-remove-submit'));
    expect((await within(dialog).findByTestId('master-remove-error')).textContent).toBe(detail409);
    expect(screen.queryByText('operation view')).toBeNull();
    await waitFor(() => expect(calls.filter((c) => c.method === 'GET' && c.path === '/api/v1/clusters/k-1').length).toBe(reads + 1));
  });

  test('the only master’s Remove is disabled, with why', async () => {
    detail(asManager(), {}, single);
    await userEvent.click(await screen.findByRole('tab', { name: 'Nodes (2)' }));
    const button = await screen.findByTestId<HTMLButtonElement>('master-remove-master-1');
    expect(button.disabled).toBe(true);
    fireEvent.mouseEnter(button.parentElement as HTMLElement);
    expect(await screen.findByText('master-1 is the only master: a cluster keeps at least one. Add another master first.')).toBeTruthy();
  });
});
