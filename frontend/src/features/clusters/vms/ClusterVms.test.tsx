import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { fakeApi, page } from '../../../test/api';
import { asReader, plan } from '../../../test/fixtures';
import { renderPage } from '../../../test/render';
import { POLL_MS, workspaceKey } from '../../workspaces/api';
import { workspace } from '../../workspaces/testData';
import ClusterDetail from '../Detail';
import { cluster, operation } from '../testData';

const SLOW = { timeout: 10_000 };
const ROUTE = { route: '/clusters/k-1', path: '/clusters/:clusterId' };
const fromPlan = cluster({ nodes: [], spec: { ...cluster().spec, provisioning: { plan_id: 'pl-1', worker_count: 1 } } });

function gateway(c = fromPlan, extra = {}) {
  return fakeApi({
    'GET /api/v1/clusters/k-1': { body: c },
    'GET /api/v1/operations': { body: page([operation()]) },
    'GET /api/v1/plans': { body: page([plan({ topology: 'single', master_count: 1, worker_count: 2 })]) },
    'GET /api/v1/workspaces/k-1': { body: workspace() },
    ...extra,
  });
}

describe('the VMs tab of a cluster made from a plan', () => {
  test('the workspace’s VMs with their zone, address, provider id, host and status; read again while deploying', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway();
    const { queryClient } = renderPage(<ClusterDetail />, { me: asReader(), ...ROUTE });
    await user.click(await screen.findByRole('tab', { name: 'VMs' }, SLOW));
    const tab = await screen.findByTestId('cluster-vms');
    const vms = await within(tab).findByTestId('workspace-vms');
    const master = within(vms).getAllByText('prod-1-master-1')[0].closest('tr') as HTMLElement;
    expect(master.textContent).toContain('Master');
    expect(master.textContent).toContain('zone-a');
    expect(master.textContent).toContain('10.213.0.21');
    expect(master.textContent).toContain('vm-1021');
    expect(master.textContent).toContain('Registered');
    expect(within(master).getByTestId('vm-host-prod-1-master-1').getAttribute('href')).toBe('/inventory/hosts?host=h-21');
    const worker = within(vms).getByText('prod-1-worker-1').closest('tr') as HTMLElement;
    expect(worker.textContent).toContain('Planned');
    expect(worker.textContent).toContain('Not registered yet');
    expect(within(tab).getByTestId('workspace-status').textContent).toBe('Provisioning');
    expect(within(tab).getByTestId('workspace-message').textContent).toBe('Creating 2 VM(s).');
    expect(within(tab).getByText('prod-ha')).toBeTruthy();
    expect(calls.some((c) => c.path === '/api/v1/workspaces/k-1')).toBe(true);
    // The cluster is deploying: its VMs are read again every few seconds.
    const query = queryClient.getQueryCache().find({ queryKey: workspaceKey('k-1') });
    const interval = query?.observers[0]?.options.refetchInterval;
    expect(typeof interval === 'function' ? interval(query as never) : interval).toBe(POLL_MS);
  });

  test('before the provision step has made the workspace (404): nothing yet, said so', async () => {
    const user = userEvent.setup({ delay: null });
    gateway(fromPlan, { 'GET /api/v1/workspaces/k-1': { status: 404, body: { error: 'not_found', detail: 'No workspace k-1.' } } });
    renderPage(<ClusterDetail />, { me: asReader(), ...ROUTE });
    await user.click(await screen.findByRole('tab', { name: 'VMs' }, SLOW));
    expect((await screen.findByTestId('cluster-vms-none')).textContent).toMatch(/deploy’s first step \(Create VMs\)/);
  });

  test('a cluster of chosen hosts has no VMs tab', async () => {
    gateway(cluster({ status: 'running', operation: null }));
    renderPage(<ClusterDetail />, { me: asReader(), ...ROUTE });
    await screen.findByTestId('cluster-overview', {}, SLOW);
    expect(screen.queryByRole('tab', { name: 'VMs' })).toBeNull();
  });
});
