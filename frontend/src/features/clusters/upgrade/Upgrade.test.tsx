import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { describe, expect, test } from 'vitest';
import i18n from '../../../i18n';
import { fakeApi, page } from '../../../test/api';
import { asManager, asReader, offlinePackage } from '../../../test/fixtures';
import { renderPage } from '../../../test/render';
import ClusterDetail from '../Detail';
import { cluster, operation } from '../testData';

const idle = { id: 'op-1', kind: 'deploy', status: 'succeeded', phase: null, phases_done: 4, phases_total: 4 };
const nodes = [
  { host_id: 'h-1', name: 'master-1', ip: '10.213.0.11', role: 'master', status: 'ready', version: '1.35.10' },
  { host_id: 'h-3', name: 'worker-1', ip: '10.213.0.13', role: 'worker', status: 'ready', version: '1.34.2' },
  { host_id: 'h-4', name: 'worker-2', ip: '10.213.0.14', role: 'worker', status: 'ready', version: null },
];
const running = cluster({ version: '1.34.2', status: 'running', status_message: 'Running.', nodes, operation: idle });
const upgrading = {
  ...running,
  status: 'upgrading' as const,
  operation: { id: 'op-7', kind: 'upgrade', status: 'running', phase: 'control-plane-1.35.10', phases_done: 4, phases_total: 11 },
};
const packages = [
  offlinePackage({ id: 'p-1', kubernetes_version: '1.34.2' }),
  offlinePackage({ id: 'p-2', kubernetes_version: '1.35.4' }),
  offlinePackage({ id: 'p-3', kubernetes_version: '1.35.10' }),
  offlinePackage({ id: 'p-4', kubernetes_version: '1.36.2' }),
  offlinePackage({ id: 'p-5', kubernetes_version: '1.38.0' }),
  offlinePackage({ id: 'p-6', kubernetes_version: '1.37.1', arch: 'arm64' }),
];

function detail(me = asManager(), routes = {}, c = running) {
  const api = fakeApi({
    'GET /api/v1/clusters/k-1': { body: c },
    'GET /api/v1/operations': { body: page([operation({ id: 'op-7', kind: 'upgrade' }), operation({ id: 'op-5', kind: 'remove-masters' }), operation({ id: 'op-4', kind: 'add-masters' })]) },
    'GET /api/v1/offline-packages': { body: page(packages) },
    'POST /api/v1/clusters/k-1/upgrade': { status: 202, body: upgrading },
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

async function openDialog() {
  await userEvent.click(await screen.findByTestId('cluster-upgrade'));
  return screen.findByRole('dialog');
}

describe('upgrading a cluster', () => {
  test('newer ready versions of its arch are offered; the path is computed; version and workers at once are posted', async () => {
    const { calls } = detail();
    const dialog = await openDialog();
    await within(dialog).findByTestId('upgrade-version-1.36.2');
    expect(calls.find((c) => c.path === '/api/v1/offline-packages')?.search.get('status')).toBe('ready');
    const offered = within(dialog).getAllByRole<HTMLInputElement>('radio').map((r) => r.value);
    expect(offered).toEqual(['1.38.0', '1.36.2', '1.35.10', '1.35.4']);
    // 1.38 needs a 1.37 package of amd64: shown, not offered, with why.
    const v138 = within(dialog).getByTestId<HTMLInputElement>('upgrade-version-1.38.0');
    expect(v138.disabled).toBe(true);
    expect(v138.closest('label')?.textContent).toContain('no 1.37 package is imported');
    expect(within(dialog).getByTestId('upgrade-warning').textContent).toContain('An etcd snapshot is taken first');
    expect(within(dialog).getByTestId('upgrade-warning').textContent).toContain('drained');
    const submit = screen.getByTestId<HTMLButtonElement>('upgrade-submit');
    expect(submit.disabled).toBe(true);

    await userEvent.click(within(dialog).getByLabelText('1.36.2'));
    const path = within(dialog).getByTestId('upgrade-path');
    expect(within(path).getAllByTestId('upgrade-step').map((s) => s.textContent)).toEqual(['1.35.10', '1.36.2']);
    expect(path.textContent).toContain('1.34.2');
    expect(within(dialog).getByText(/the server checks it again/)).toBeTruthy();

    fireEvent.change(within(dialog).getByTestId('upgrade-batch'), { target: { value: '25' } });
    await waitFor(() => expect(submit.disabled).toBe(false));
    await userEvent.click(submit);
    expect(await screen.findByText('operation view')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')).toMatchObject({
      path: '/api/v1/clusters/k-1/upgrade',
      body: { version: '1.36.2', worker_batch_percent: 25 },
    });
  });

  test('empty workers at once is sent as one at a time (null); the server’s 422 on version shows under the versions', async () => {
    const refusal =
      'No ready offline package of Kubernetes 1.35.4 for this cluster’s architecture: import it first.';
    const { calls } = detail(asManager(), {
      'POST /api/v1/clusters/k-1/upgrade': {
        status: 422,
        body: { error: 'validation_error', detail: refusal, field: 'version', fields: [{ field: 'version', message: refusal }] },
      },
    });
    const dialog = await openDialog();
    await userEvent.click(await within(dialog).findByLabelText('1.35.4'));
    expect(within(within(dialog).getByTestId('upgrade-path')).getAllByTestId('upgrade-step').map((s) => s.textContent)).toEqual(['1.35.4']);
    await userEvent.click(screen.getByTestId('upgrade-submit'));
    expect((await within(dialog).findByTestId('upgrade-version-error')).textContent).toBe(refusal);
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ version: '1.35.4', worker_batch_percent: null });
    expect(screen.queryByText('operation view')).toBeNull();
  });

  test('while it upgrades: the button is disabled and the overview reads the phase in English and Chinese', async () => {
    detail(asManager(), {}, upgrading);
    expect((await screen.findByTestId('cluster-upgrade')).hasAttribute('disabled')).toBe(true);
    const progress = screen.getByTestId('operation-progress');
    expect(progress.textContent).toContain('Upgrade');
    expect(progress.textContent).toContain('Control plane to 1.35.10');
    await act(() => i18n.changeLanguage('zh-CN'));
    expect(progress.textContent).toContain('控制平面升级到 1.35.10');
  });
});

describe('the nodes’ versions and the new operation kinds', () => {
  test('each node’s kubelet version in its own column (— until read); the kinds in English and Chinese; a reader changes nothing', async () => {
    detail(asReader());
    await userEvent.click(await screen.findByRole('tab', { name: 'Nodes (3)' }));
    const table = await screen.findByTestId('cluster-nodes');
    for (const id of ['cluster-upgrade', 'masters-add', 'master-remove-master-1', 'workers-add']) expect(screen.queryByTestId(id)).toBeNull();
    expect(within(table).getByText('Version')).toBeTruthy();
    const versionOf = (name: string) => within(table).getByText(name).closest('tr')?.querySelector('[data-testid="node-version"]')?.textContent;
    expect([versionOf('master-1'), versionOf('worker-1'), versionOf('worker-2')]).toEqual(['1.35.10', '1.34.2', '—']);

    await userEvent.click(screen.getByRole('tab', { name: 'Operations' }));
    const history = await screen.findByTestId('cluster-operations');
    expect(['Upgrade', 'Remove master', 'Add masters'].map((k) => !!within(history).queryByText(k))).toEqual([true, true, true]);
    await act(() => i18n.changeLanguage('zh-CN'));
    expect(['升级', '移除主节点', '添加主节点'].map((k) => !!within(history).queryByText(k))).toEqual([true, true, true]);
  });
});
