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

// worker-2 has been NotReady for 2h 03m (as the health check set it).
const since = () => new Date(Date.now() - (2 * 60 + 3) * 60_000).toISOString();
const nodes = () => [
  { host_id: 'h-1', name: 'master-1', ip: '10.213.0.11', role: 'master', status: 'ready', not_ready_since: null },
  { host_id: 'h-3', name: 'worker-1', ip: '10.213.0.13', role: 'worker', status: 'ready', not_ready_since: null },
  { host_id: 'h-4', name: 'worker-2', ip: '10.213.0.14', role: 'worker', status: 'not-ready', not_ready_since: since() },
];
const idle = { id: 'op-2', kind: 'add-workers', status: 'succeeded', phase: null, phases_done: 6, phases_total: 6 };
const running = () => cluster({ status: 'running', status_message: 'Running.', nodes: nodes(), operation: idle });
const rebuilding = () => ({
  ...running(),
  status: 'scaling' as const,
  nodes: nodes().map((n) => (n.name === 'worker-2' ? { ...n, status: 'rebuilding', not_ready_since: null } : n)),
  operation: { id: 'op-4', kind: 'rebuild-worker', status: 'queued', phase: null, phases_done: 0, phases_total: 9 },
});

function detail(me = asManager(), routes = {}, c = running()) {
  const api = fakeApi({
    'GET /api/v1/clusters/k-1': { body: c },
    'GET /api/v1/operations': { body: page([operation({ id: 'op-4', kind: 'rebuild-worker', status: 'running' })]) },
    'POST /api/v1/clusters/k-1/workers/worker-2/rebuild': { status: 202, body: rebuilding() },
    'POST /api/v1/clusters/k-1/workers/worker-1/rebuild': { status: 202, body: rebuilding() },
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

const nodesTab = async () => userEvent.click(await screen.findByRole('tab', { name: 'Nodes (3)' }));
async function openRebuild(name: string) {
  await nodesTab();
  await userEvent.click(within(await screen.findByTestId('cluster-nodes')).getByTestId(`worker-rebuild-${name}`));
  return screen.findByRole('dialog');
}
const confirm = async (dialog: HTMLElement, name: string) => {
  fireEvent.change(within(dialog).getByTestId('worker-rebuild-name'), { target: { value: name } });
  await userEvent.click(screen.getByTestId('worker-rebuild-submit'));
};
const clusterReads = (calls: { method: string; path: string }[]) => calls.filter((c) => c.method === 'GET' && c.path === '/api/v1/clusters/k-1').length;

describe('rebuilding a worker', () => {
  test('only worker rows have Rebuild; the confirmation explains it and wants the node’s name typed; the live view opens', async () => {
    const { calls } = detail();
    const dialog = await openRebuild('worker-1');
    expect(screen.queryByTestId('worker-rebuild-master-1')).toBeNull();
    expect(within(dialog).getByText('Rebuild worker worker-1?')).toBeTruthy();
    const text = within(dialog).getByText(/without draining/).textContent ?? '';
    expect(text).toContain('reschedules the pods');
    expect(text).toContain('its host is reset');
    expect(text).toContain('joined to prod-1');
    const submit = screen.getByTestId<HTMLButtonElement>('worker-rebuild-submit');
    expect(submit.disabled).toBe(true);
    fireEvent.change(within(dialog).getByTestId('worker-rebuild-name'), { target: { value: 'worker-2' } });
    expect(submit.disabled).toBe(true);
    await confirm(dialog, 'worker-1');
    expect(await screen.findByText('operation view')).toBeTruthy();
    const post = calls.filter((c) => c.method === 'POST');
    expect(post.map((c) => c.path)).toEqual(['/api/v1/clusters/k-1/workers/worker-1/rebuild']);
  });

  test('a not-ready worker says for how long and is offered Rebuild first, above the list and on its row', async () => {
    const { calls } = detail(asAdmin());
    await nodesTab();
    const table = await screen.findByTestId('cluster-nodes');
    const row = within(table).getByText('worker-2').closest('tr') as HTMLElement;
    expect(within(row).getByTestId('node-status').textContent).toBe('Not ready');
    expect(within(row).getByTestId('node-not-ready-for').textContent).toBe('for 2h 03m');
    // The not-ready node's Rebuild is the primary button, the healthy one's is not.
    expect(within(row).getByTestId('worker-rebuild-worker-2').className).toContain('ant-btn-primary');
    expect(within(table).getByTestId('worker-rebuild-worker-1').className).not.toContain('ant-btn-primary');

    const banner = screen.getByTestId('worker-not-ready-worker-2');
    expect(banner.textContent).toContain('Worker worker-2 has been not ready for 2h 03m');
    expect(screen.queryByTestId('worker-not-ready-worker-1')).toBeNull();
    await userEvent.click(within(banner).getByTestId('worker-rebuild-worker-2'));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByTestId('worker-rebuild-not-ready').textContent).toContain('worker-2 has been not ready since');
    await confirm(dialog, 'worker-2');
    await screen.findByText('operation view');
    expect(calls.find((c) => c.method === 'POST')?.path).toBe('/api/v1/clusters/k-1/workers/worker-2/rebuild');
  });

  test('readers see the not-ready warning without Rebuild', async () => {
    detail(asReader());
    await nodesTab();
    expect((await screen.findByTestId('worker-not-ready-worker-2')).textContent).toContain('not ready for');
    expect(screen.queryByTestId('worker-rebuild-worker-2')).toBeNull();
  });

  test('while an operation runs Rebuild is disabled, saying why, and the node being rebuilt says so', async () => {
    detail(asManager(), {}, rebuilding());
    await userEvent.click(await screen.findByRole('tab', { name: 'Nodes (3)' }));
    const table = await screen.findByTestId('cluster-nodes');
    expect(within(table).getByTestId<HTMLButtonElement>('worker-rebuild-worker-1').disabled).toBe(true);
    await userEvent.hover(within(table).getByTestId('worker-rebuild-worker-1'));
    expect(await screen.findByText('An operation is running on this cluster: wait for it or cancel it first.')).toBeTruthy();
    expect(within(within(table).getByText('worker-2').closest('tr') as HTMLElement).getByTestId('node-status').textContent).toBe('Rebuilding');
  });

  test('on a cluster that is not running Rebuild is disabled, saying why', async () => {
    detail(asManager(), {}, { ...running(), status: 'failed' });
    await nodesTab();
    const button = within(await screen.findByTestId('cluster-nodes')).getByTestId<HTMLButtonElement>('worker-rebuild-worker-1');
    expect(button.disabled).toBe(true);
    await userEvent.hover(button);
    expect(await screen.findByText('Workers are added, removed and rebuilt only while the cluster is running.')).toBeTruthy();
  });
});

describe('a refused rebuild', () => {
  test('409 (busy): the sentence stays in the dialog and the cluster is read again', async () => {
    const { calls } = detail(asManager(), {
      'POST /api/v1/clusters/k-1/workers/worker-1/rebuild': {
        status: 409,
        body: { error: 'conflict', detail: 'Cluster prod-1 is busy with operation op-9 (deploy): wait for it or cancel it.', field: 'cluster_id' },
      },
    });
    const dialog = await openRebuild('worker-1');
    const before = clusterReads(calls);
    await confirm(dialog, 'worker-1');
    expect((await within(dialog).findByTestId('worker-rebuild-error')).textContent).toContain('busy with operation op-9');
    await waitFor(() => expect(clusterReads(calls)).toBe(before + 1));
    expect(screen.queryByText('operation view')).toBeNull();
  });

  test('404 on the node (it is gone): said, and the nodes read again', async () => {
    const { calls } = detail(asManager(), {
      'POST /api/v1/clusters/k-1/workers/worker-1/rebuild': {
        status: 404,
        body: { error: 'not_found', detail: 'Cluster prod-1 has no node worker-1 (its nodes: master-1, worker-2).', field: 'node' },
      },
    });
    const dialog = await openRebuild('worker-1');
    const before = clusterReads(calls);
    await confirm(dialog, 'worker-1');
    expect((await within(dialog).findByTestId('worker-rebuild-error')).textContent).toContain('has no node worker-1');
    await waitFor(() => expect(clusterReads(calls)).toBe(before + 1));
  });

  test('422 (a master): said in the dialog, nothing to read again', async () => {
    const { calls } = detail(asManager(), {
      'POST /api/v1/clusters/k-1/workers/worker-1/rebuild': {
        status: 422,
        body: { error: 'invalid_input', detail: 'worker-1 is a master: only workers are rebuilt.', field: 'node' },
      },
    });
    const dialog = await openRebuild('worker-1');
    const before = clusterReads(calls);
    await confirm(dialog, 'worker-1');
    expect((await within(dialog).findByTestId('worker-rebuild-error')).textContent).toContain('only workers are rebuilt');
    expect(clusterReads(calls)).toBe(before);
  });
});

describe('health and rebuild labels', () => {
  test('not ready, rebuilding and the rebuild-worker kind read in English and Chinese', async () => {
    detail(asReader(), {}, { ...rebuilding(), nodes: nodes().map((n) => (n.name === 'worker-1' ? { ...n, status: 'rebuilding' } : n)) });
    await nodesTab();
    const table = await screen.findByTestId('cluster-nodes');
    const statusOf = (name: string) => within(table).getByText(name).closest('tr')?.querySelector('[data-testid="node-status"]')?.textContent;
    expect([statusOf('worker-1'), statusOf('worker-2')]).toEqual(['Rebuilding', 'Not ready']);
    await userEvent.click(screen.getByRole('tab', { name: 'Operations' }));
    const history = await screen.findByTestId('cluster-operations');
    expect(within(history).getByText('Rebuild worker')).toBeTruthy();

    await act(() => i18n.changeLanguage('zh-CN'));
    expect(within(history).getByText('重建节点')).toBeTruthy();
    await userEvent.click(screen.getByRole('tab', { name: '节点（3）' }));
    expect([statusOf('worker-1'), statusOf('worker-2')]).toEqual(['重建中', '未就绪']);
    expect(within(table).getByText('worker-2').closest('tr')?.querySelector('[data-testid="node-not-ready-for"]')?.textContent).toBe('已持续 2h 03m');
  });
});
