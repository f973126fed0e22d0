import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { fakeApi, page } from '../../test/api';
import { asManager, asReader, plan, project, region } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import WorkspaceList from './List';
import { workspace } from './testData';

const SLOW = { timeout: 10_000 };
// prod-1 is cluster k-1's and old-1 cluster k-9's (their cluster_id; k-9 is not among the clusters
// listed first); lab-vms was made through the API and failed; spare is ready.
const ofCluster = workspace({ status: 'ready', message: 'Every VM is a host.' });
const ofOlderCluster = workspace({ id: 'k-9', cluster_id: 'k-9', name: 'old-1', status: 'ready', message: '' });
const failed = workspace({ id: 'ws-2', cluster_id: null, name: 'lab-vms', status: 'failed', message: 'apply failed at lab-vms-worker-1: quota exceeded.' });
const spare = workspace({ id: 'ws-3', cluster_id: null, name: 'spare', status: 'ready', message: '' });

function gateway(extra = {}) {
  return fakeApi({
    'GET /api/v1/projects': { body: page([project]) },
    'GET /api/v1/workspaces': { body: page([ofCluster, ofOlderCluster, failed, spare]) },
    'GET /api/v1/plans': { body: page([plan()]) },
    'GET /api/v1/regions': { body: page([region()]) },
    ...extra,
  });
}

// The name comes first in its row (a cluster's link may repeat it).
const row = async (name: string) => (await screen.findAllByText(name, {}, SLOW))[0].closest('tr') as HTMLElement;
const button = (testId: string) => screen.getByTestId<HTMLButtonElement>(testId);

describe('workspaces list', () => {
  test('status, provider, VM count and the linked cluster; a read-only member gets no change buttons', async () => {
    gateway();
    renderPage(<WorkspaceList />, { me: asReader() });
    const prod = await row('prod-1');
    expect(within(prod).getByTestId('workspace-status').textContent).toBe('Ready');
    expect(within(prod).getByText('VMware vSphere')).toBeTruthy();
    expect(within(prod).getByText('2 (1 master, 1 worker)')).toBeTruthy();
    expect((await within(prod).findByTestId('workspace-cluster-prod-1')).getAttribute('href')).toBe('/clusters/k-1');
    expect(within(prod).getByText('prod-ha')).toBeTruthy();
    const old = await row('old-1');
    expect(within(old).getByTestId('workspace-cluster-old-1').getAttribute('href')).toBe('/clusters/k-9');
    const lab = await row('lab-vms');
    expect(within(lab).getByText('None (made through the API)')).toBeTruthy();
    expect(within(lab).getByText(/quota exceeded/)).toBeTruthy();
    expect(screen.queryByTestId('workspace-scale-lab-vms')).toBeNull();
    expect(screen.queryByTestId('workspace-retry-lab-vms')).toBeNull();
    expect(screen.queryByTestId('workspace-delete-lab-vms')).toBeNull();
    expect(screen.queryByText('Actions')).toBeNull();
  });

  test('a project manager: a cluster’s VMs change with the cluster; retry a failed one, scale and delete (typing its name) the others', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway({
      'POST /api/v1/workspaces/ws-2/retry': { status: 202, body: { ...failed, status: 'provisioning', message: 'Retrying.' } },
      'PATCH /api/v1/workspaces/ws-3': { status: 202, body: { ...spare, status: 'provisioning', worker_count: 3 } },
      'DELETE /api/v1/workspaces/ws-3': { status: 202, body: { ...spare, status: 'destroying' } },
    });
    renderPage(<WorkspaceList />, { me: asManager() });
    await screen.findByTestId('workspace-cluster-prod-1', {}, SLOW);
    for (const name of ['prod-1', 'old-1'])
      for (const action of ['scale', 'retry', 'delete']) expect(button(`workspace-${action}-${name}`).disabled, `${action} ${name}`).toBe(true);
    expect(button('workspace-retry-spare').disabled).toBe(true); // ready: nothing to retry
    expect(button('workspace-retry-lab-vms').disabled).toBe(false);

    await user.click(button('workspace-retry-lab-vms'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/v1/workspaces/ws-2/retry')).toBe(true));

    await user.click(button('workspace-scale-spare'));
    const count = await screen.findByTestId<HTMLInputElement>('workspace-scale-count');
    expect(count.value).toBe('1');
    fireEvent.change(count, { target: { value: '3' } });
    await user.click(screen.getByTestId('workspace-scale-submit'));
    await waitFor(() => expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ worker_count: 3 }));

    await user.click(button('workspace-delete-spare'));
    const submit = await screen.findByTestId<HTMLButtonElement>('workspace-delete-submit');
    expect(submit.disabled).toBe(true);
    fireEvent.change(screen.getByTestId('workspace-delete-name'), { target: { value: 'spare' } });
    await waitFor(() => expect(submit.disabled).toBe(false));
    await user.click(submit);
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.path === '/api/v1/workspaces/ws-3')).toBe(true));
  });
});
