import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { describe, expect, test } from 'vitest';
import { fakeApi, page } from '../../../test/api';
import { asManager, asReader, host, PROJECT_ID } from '../../../test/fixtures';
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
  nodes: [...running.nodes, { host_id: 'h-4', name: 'worker-4', ip: '10.213.0.14', role: 'worker', status: 'joining' }],
  operation: { id: 'op-2', kind: 'add-workers', status: 'queued', phase: null, phases_done: 0, phases_total: 6 },
};
const hosts = [
  host({ id: 'h-1', name: 'master-1', cluster_id: 'k-1' }),
  host({ id: 'h-4', name: 'worker-4', ip: '10.213.0.14' }),
  host({ id: 'h-5', name: 'worker-5', ip: '10.213.0.15' }),
  host({ id: 'h-6', name: 'other', cluster_id: 'k-2' }),
  host({ id: 'h-7', name: 'down', status: 'unreachable' }),
];

function detail(me = asManager(), routes = {}, c = running) {
  const api = fakeApi({
    'GET /api/v1/clusters/k-1': { body: c },
    'GET /api/v1/operations': { body: page([]) },
    'GET /api/v1/hosts': { body: page(hosts) },
    'POST /api/v1/clusters/k-1/workers': { status: 202, body: scaling },
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
  await userEvent.click(await screen.findByTestId('workers-add'));
  return screen.findByRole('dialog');
}

describe('adding workers', () => {
  test('a reader sees the nodes but neither Add workers nor Remove', async () => {
    detail(asReader());
    await userEvent.click(await screen.findByRole('tab', { name: 'Nodes (2)' }));
    await screen.findByTestId('cluster-nodes');
    expect(screen.queryByTestId('workers-add')).toBeNull();
    expect(screen.queryByTestId('worker-remove-worker-1')).toBeNull();
  });

  test('disabled while the cluster is busy with another operation', async () => {
    detail(asManager(), {}, { ...running, status: 'deploying', operation: { ...running.operation!, status: 'running' } });
    await userEvent.click(await screen.findByRole('tab', { name: 'Nodes (2)' }));
    expect(screen.getByTestId<HTMLButtonElement>('workers-add').disabled).toBe(true);
    expect(screen.getByTestId<HTMLButtonElement>('worker-remove-worker-1').disabled).toBe(true);
  });

  test('free ready hosts of the project are offered; the chosen ones are sent with their labels and taints, then the operation opens', async () => {
    const { calls } = detail();
    const dialog = await openDialog();
    await within(dialog).findByTestId('worker-host-worker-4');
    // Its own nodes are not offered; hosts in another cluster or not ready are, disabled with why.
    expect(within(dialog).queryByTestId('worker-host-master-1')).toBeNull();
    expect(within(dialog).getByTestId<HTMLInputElement>('worker-host-other').disabled).toBe(true);
    expect(within(dialog).getByTestId<HTMLInputElement>('worker-host-down').disabled).toBe(true);
    expect(within(dialog).getByText(/Not ready/)).toBeTruthy();
    expect(calls.find((c) => c.path === '/api/v1/hosts')?.search.get('project_id')).toBe(PROJECT_ID);
    expect(within(dialog).queryByTestId('workers-add-count')).toBeNull();
    const submit = screen.getByTestId<HTMLButtonElement>('workers-add-submit');
    expect(submit.disabled).toBe(true);

    await userEvent.click(within(dialog).getByTestId('worker-host-worker-4'));
    await userEvent.click(within(dialog).getByTestId('worker-host-worker-5'));
    await userEvent.click(within(dialog).getByTestId('label-add-worker-4'));
    fireEvent.change(within(dialog).getByTestId('label-key-worker-4-0'), { target: { value: 'example.com/rack' } });
    fireEvent.change(within(dialog).getByTestId('label-value-worker-4-0'), { target: { value: 'r1' } });
    await userEvent.click(within(dialog).getByTestId('taint-add-worker-4'));
    fireEvent.change(within(dialog).getByTestId('taint-key-worker-4-0'), { target: { value: 'example.com/gpu' } });
    fireEvent.change(within(dialog).getByTestId('taint-value-worker-4-0'), { target: { value: 'yes' } });
    await userEvent.click(submit);

    expect(await screen.findByText('operation view')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      nodes: [
        { host_id: 'h-4', labels: { 'example.com/rack': 'r1' }, taints: [{ key: 'example.com/gpu', value: 'yes', effect: 'NoSchedule' }] },
        { host_id: 'h-5', labels: {}, taints: [] },
      ],
    });
  });

  test('a 422 lands next to the host and the label it names; a 409 is a banner', async () => {
    let answer: { status: number; body: unknown } = {
      status: 422,
      body: {
        error: 'invalid_input',
        detail: 'Invalid input.',
        fields: [
          { field: 'nodes[1].host_id', message: 'host worker-5 is unreachable: no route. Check it again.' },
          { field: 'nodes.0.labels', message: "label 'kubernetes.io/role': the kubernetes.io and k8s.io prefixes are Kubernetes' own; use yours" },
        ],
      },
    };
    const { calls } = detail(asManager(), { 'POST /api/v1/clusters/k-1/workers': () => answer });
    const dialog = await openDialog();
    await userEvent.click(await within(dialog).findByTestId('worker-host-worker-4'));
    await userEvent.click(within(dialog).getByTestId('worker-host-worker-5'));
    await userEvent.click(within(dialog).getByTestId('label-add-worker-4'));
    fireEvent.change(within(dialog).getByTestId('label-key-worker-4-0'), { target: { value: 'kubernetes.io/role' } });
    await userEvent.click(screen.getByTestId('workers-add-submit'));

    expect((await within(dialog).findByTestId('worker-error-worker-5')).textContent).toContain('unreachable');
    expect(within(dialog).getByTestId('label-error-worker-4-0').textContent).toContain('prefixes are Kubernetes');
    expect(within(dialog).queryByTestId('workers-add-error')).toBeNull();

    // Editing the label clears its host's errors; a conflict then shows above the hosts.
    fireEvent.change(within(dialog).getByTestId('label-key-worker-4-0'), { target: { value: 'example.com/role' } });
    expect(within(dialog).queryByTestId('label-error-worker-4-0')).toBeNull();
    answer = { status: 409, body: { error: 'conflict', detail: 'Cluster prod-1 is busy with operation op-9 (remove-workers): wait for it or cancel it.', field: 'cluster_id' } };
    await userEvent.click(screen.getByTestId('workers-add-submit'));
    expect((await within(dialog).findByTestId('workers-add-error')).textContent).toContain('busy with operation op-9');
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(2);
  });

  test('a value without a key is caught before anything is sent', async () => {
    const { calls } = detail();
    const dialog = await openDialog();
    await userEvent.click(await within(dialog).findByTestId('worker-host-worker-4'));
    await userEvent.click(within(dialog).getByTestId('taint-add-worker-4'));
    fireEvent.change(within(dialog).getByTestId('taint-value-worker-4-0'), { target: { value: 'yes' } });
    await userEvent.click(screen.getByTestId('workers-add-submit'));
    await waitFor(() => expect(within(dialog).getByTestId('taint-error-worker-4-0').textContent).toBe('Give a key, or clear the row.'));
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });

  test('a cluster planned from a plan asks how many new VMs (1-100) and sends count, no nodes; a 422 on count shows under it', async () => {
    const planned = { ...running, spec: { ...running.spec, provisioning: { plan_id: 'pl-1', worker_count: 1 } } };
    let answer: { status: number; body: unknown } = {
      status: 422,
      body: { error: 'invalid_input', detail: 'Invalid input.', fields: [{ field: 'count', message: 'zone-b has room for 1 more VM; ask for fewer.' }] },
    };
    const { calls } = detail(asManager(), { 'POST /api/v1/clusters/k-1/workers': () => answer }, planned);
    const dialog = await openDialog();
    const count = await within(dialog).findByTestId<HTMLInputElement>('workers-add-count');
    expect(count.value).toBe('1');
    expect(within(dialog).getByText(/created in the plan’s zones/)).toBeTruthy();
    // No hosts are chosen for it, so none are read.
    expect(within(dialog).queryByTestId('workers-hosts')).toBeNull();
    expect(calls.some((c) => c.path === '/api/v1/hosts')).toBe(false);

    fireEvent.change(count, { target: { value: '3' } });
    await userEvent.click(screen.getByTestId('workers-add-submit'));
    expect((await within(dialog).findByText('zone-b has room for 1 more VM; ask for fewer.')).closest('.ant-form-item')).toBe(count.closest('.ant-form-item'));
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ count: 3 });

    answer = { status: 202, body: scaling };
    fireEvent.change(count, { target: { value: '2' } });
    await userEvent.click(screen.getByTestId('workers-add-submit'));
    expect(await screen.findByText('operation view')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.body)).toEqual([{ count: 3 }, { count: 2 }]);
  });
});
