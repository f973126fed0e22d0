import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { describe, expect, test } from 'vitest';
import { fakeApi, page } from '../../test/api';
import { asAdmin, asManager, asReader, project } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import ClusterDetail from './Detail';
import ClusterList from './List';
import { cluster } from './testData';

const running = cluster({ status: 'running', operation: { id: 'op-1', kind: 'deploy', status: 'succeeded', phase: null, phases_done: 4, phases_total: 4 } });
const resetting = { ...running, status: 'terminating', operation: { id: 'op-9', kind: 'reset', status: 'queued', phase: null, phases_done: 0, phases_total: 3 } };

function detail(me = asManager(), extra = {}) {
  const api = fakeApi({
    'GET /api/v1/projects': { body: page([project]) },
    'GET /api/v1/clusters/k-1': { body: running },
    'GET /api/v1/operations': { body: page([]) },
    'DELETE /api/v1/clusters/k-1': { status: 202, body: resetting },
    ...extra,
  });
  renderPage(
    <Routes>
      <Route path="/clusters/:clusterId" element={<ClusterDetail />} />
      <Route path="/clusters/:clusterId/operations/:operationId" element={<div>reset view</div>} />
      <Route path="/clusters" element={<div>clusters list</div>} />
    </Routes>,
    { me, route: '/clusters/k-1' },
  );
  return api;
}

describe('deleting a cluster', () => {
  test('the confirmation names the cluster, wants its name typed, and opens the reset operation (202)', async () => {
    const { calls } = detail();
    await userEvent.click(await screen.findByTestId('cluster-delete', {}, { timeout: 10_000 }));
    const dialog = await screen.findByRole('dialog', {}, { timeout: 10_000 });
    expect(within(dialog).getByText('Delete cluster prod-1?')).toBeTruthy();
    expect(within(dialog).getByText(/hosts of prod-1 are reset first/)).toBeTruthy();
    // Not an admin: no force, but told who can.
    expect(within(dialog).queryByTestId('cluster-delete-force')).toBeNull();
    expect(within(dialog).getByText(/an administrator can forget the cluster/)).toBeTruthy();
    const submit = screen.getByTestId<HTMLButtonElement>('cluster-delete-submit');
    expect(submit.disabled).toBe(true);
    fireEvent.change(screen.getByTestId('cluster-delete-name'), { target: { value: 'prod-2' } });
    expect(submit.disabled).toBe(true);
    fireEvent.change(screen.getByTestId('cluster-delete-name'), { target: { value: 'prod-1' } });
    await waitFor(() => expect(submit.disabled).toBe(false), { timeout: 10_000 });
    await userEvent.click(submit);
    expect(await screen.findByText('reset view', {}, { timeout: 10_000 })).toBeTruthy();
    const del = calls.find((c) => c.method === 'DELETE');
    expect(del?.path).toBe('/api/v1/clusters/k-1');
    expect(del?.search.get('force')).toBeNull();
  });

  test('an admin may forget it at once (force, explained): 204 goes back to the list', async () => {
    const { calls } = detail(asAdmin(), { 'DELETE /api/v1/clusters/k-1': { status: 204 } });
    await userEvent.click(await screen.findByTestId('cluster-delete', {}, { timeout: 10_000 }));
    await userEvent.click(await screen.findByTestId('cluster-delete-force', {}, { timeout: 10_000 }));
    expect(screen.getByText(/use this only when its hosts are gone for good/)).toBeTruthy();
    fireEvent.change(screen.getByTestId('cluster-delete-name'), { target: { value: 'prod-1' } });
    await userEvent.click(screen.getByTestId('cluster-delete-submit'));
    expect(await screen.findByText('clusters list', {}, { timeout: 10_000 })).toBeTruthy();
    expect(calls.find((c) => c.method === 'DELETE')?.search.get('force')).toBe('true');
  });

  test('a refusal (busy cluster) stays in the dialog as the API sentence', async () => {
    detail(asManager(), {
      'DELETE /api/v1/clusters/k-1': { status: 409, body: { error: 'conflict', detail: 'Cluster prod-1 is busy with operation op-2 (deploy): wait for it or cancel it.' } },
    });
    await userEvent.click(await screen.findByTestId('cluster-delete', {}, { timeout: 10_000 }));
    fireEvent.change(screen.getByTestId('cluster-delete-name'), { target: { value: 'prod-1' } });
    await userEvent.click(screen.getByTestId('cluster-delete-submit'));
    expect((await screen.findByTestId('cluster-delete-error', {}, { timeout: 10_000 })).textContent).toMatch(/busy with operation op-2/);
  });

  test('a read-only member has no delete action', async () => {
    detail(asReader());
    await screen.findByTestId('cluster-overview', {}, { timeout: 10_000 });
    expect(screen.queryByTestId('cluster-delete')).toBeNull();
  });

  test('the list: a delete per row for writers, disabled while an operation runs', async () => {
    fakeApi({
      'GET /api/v1/projects': { body: page([project]) },
      'GET /api/v1/clusters': { body: page([cluster(), { ...running, id: 'k-2', name: 'dev-1' }]) },
    });
    renderPage(<ClusterList />, { me: asManager() });
    const busy = await screen.findByTestId<HTMLButtonElement>('cluster-delete-prod-1', {}, { timeout: 10_000 });
    expect(busy.disabled).toBe(true);
    expect(screen.getByTestId<HTMLButtonElement>('cluster-delete-dev-1').disabled).toBe(false);
  });
});
