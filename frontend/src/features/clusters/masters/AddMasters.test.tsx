import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { describe, expect, test } from 'vitest';
import { fakeApi, page } from '../../../test/api';
import { asManager, host, PROJECT_ID } from '../../../test/fixtures';
import { renderPage } from '../../../test/render';
import ClusterDetail from '../Detail';
import { cluster } from '../testData';

const running = cluster({
  status: 'running',
  status_message: 'Deployed.',
  operation: { id: 'op-1', kind: 'deploy', status: 'succeeded', phase: null, phases_done: 4, phases_total: 4 },
});
const scaling = {
  ...running,
  status: 'scaling' as const,
  nodes: [...running.nodes, { host_id: 'h-4', name: 'master-2', ip: '10.213.0.14', role: 'master', status: 'joining' }],
  operation: { id: 'op-2', kind: 'add-masters', status: 'queued', phase: null, phases_done: 0, phases_total: 8 },
};
const small = host({ id: 'h-6', name: 'small', ip: '10.213.0.16' });
const hosts = [
  host({ id: 'h-1', name: 'master-1', cluster_id: 'k-1' }),
  host({ id: 'h-4', name: 'master-2', ip: '10.213.0.14' }),
  host({ id: 'h-5', name: 'master-3', ip: '10.213.0.15' }),
  { ...small, facts: { ...(small.facts as Record<string, unknown>), cpus: 1 } },
  host({ id: 'h-7', name: 'other', cluster_id: 'k-2' }),
];

function detail(me = asManager(), routes = {}, c = running) {
  const api = fakeApi({
    'GET /api/v1/clusters/k-1': { body: c },
    'GET /api/v1/operations': { body: page([]) },
    'GET /api/v1/hosts': { body: page(hosts) },
    'POST /api/v1/clusters/k-1/masters': { status: 202, body: scaling },
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
  await userEvent.click(await screen.findByRole('tab', { name: 'Nodes (2)' }));
  await userEvent.click(await screen.findByTestId('masters-add'));
  return screen.findByRole('dialog');
}

describe('adding masters', () => {
  test('disabled while the cluster is busy', async () => {
    detail(asManager(), {}, { ...running, status: 'upgrading', operation: { ...running.operation!, kind: 'upgrade', status: 'running' } });
    await userEvent.click(await screen.findByRole('tab', { name: 'Nodes (2)' }));
    expect(screen.getByTestId<HTMLButtonElement>('masters-add').disabled).toBe(true);
  });

  test('hosts with fewer than 2 CPUs are disabled, CPUs shown, why on hover; the chosen hosts are posted, then the operation opens', async () => {
    const { calls } = detail();
    const dialog = await openDialog();
    await within(dialog).findByTestId('master-host-master-2');
    expect(within(dialog).getByTestId('masters-etcd').textContent).toContain('one at a time');
    expect(within(dialog).getByTestId('masters-etcd').textContent).toContain('odd number of masters (3, 5)');
    expect(within(dialog).queryByTestId('master-host-master-1')).toBeNull();
    expect(within(dialog).getByTestId('master-cpus-small').textContent).toContain('1 CPU');
    expect(within(dialog).getByTestId('master-cpus-master-2').textContent).toContain('4 CPU');
    const smallBox = within(dialog).getByTestId<HTMLInputElement>('master-host-small');
    expect(smallBox.disabled).toBe(true);
    expect(within(dialog).getByTestId<HTMLInputElement>('master-host-other').disabled).toBe(true);
    expect(within(dialog).getAllByText('Too few CPUs: 1, at least 2 needed.').length).toBeGreaterThan(0);
    await userEvent.hover(smallBox.closest('span[style]') as HTMLElement);
    expect((await screen.findByRole('tooltip')).textContent).toContain('Too few CPUs: 1, at least 2 needed.');
    expect(calls.find((c) => c.path === '/api/v1/hosts')?.search.get('project_id')).toBe(PROJECT_ID);

    const submit = screen.getByTestId<HTMLButtonElement>('masters-add-submit');
    expect(submit.disabled).toBe(true);
    await userEvent.click(within(dialog).getByTestId('master-host-master-2'));
    // 1 + 1 masters: etcd tolerates none failed, said as a warning.
    expect(within(dialog).getByTestId('masters-after').textContent).toBe('After this: 2 masters, etcd tolerates 0 failed.');
    await userEvent.click(within(dialog).getByTestId('master-host-master-3'));
    expect(within(dialog).getByTestId('masters-after').textContent).toBe('After this: 3 masters, etcd tolerates 1 failed.');
    await userEvent.click(submit);

    expect(await screen.findByText('operation view')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')).toMatchObject({
      path: '/api/v1/clusters/k-1/masters',
      body: { nodes: [{ host_id: 'h-4' }, { host_id: 'h-5' }] },
    });
  });

  test('a 422 lands next to the host it names; a 409 is a banner in the dialog', async () => {
    let answer: { status: number; body: unknown } = {
      status: 422,
      body: {
        error: 'validation_error',
        detail: 'nodes[1].host_id: host master-3 is not in the subnet of the virtual IP 10.213.1.10',
        field: 'nodes[1].host_id',
        fields: [{ field: 'nodes[1].host_id', message: 'host master-3 is not in the subnet of the virtual IP 10.213.1.10' }],
      },
    };
    detail(asManager(), { 'POST /api/v1/clusters/k-1/masters': () => answer });
    const dialog = await openDialog();
    await userEvent.click(await within(dialog).findByTestId('master-host-master-2'));
    await userEvent.click(within(dialog).getByTestId('master-host-master-3'));
    await userEvent.click(screen.getByTestId('masters-add-submit'));
    expect((await within(dialog).findByTestId('master-error-master-3')).textContent).toContain('not in the subnet');
    expect(within(dialog).queryByTestId('masters-add-error')).toBeNull();

    answer = { status: 409, body: { error: 'conflict', detail: 'Cluster prod-1 is busy with operation op-9 (upgrade): wait for it or cancel it.', field: 'cluster_id' } };
    await userEvent.click(screen.getByTestId('masters-add-submit'));
    expect((await within(dialog).findByTestId('masters-add-error')).textContent).toContain('busy with operation op-9');
    expect(screen.queryByText('operation view')).toBeNull();
  });
});
