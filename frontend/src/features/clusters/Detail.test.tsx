import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import { fakeApi, page } from '../../test/api';
import { asManager, asReader } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import ClusterDetail from './Detail';
import { cluster, operation } from './testData';

const ROUTE = { route: '/clusters/k-1', path: '/clusters/:clusterId' };

function gateway(extra = {}) {
  return fakeApi({
    'GET /api/v1/clusters/k-1': { body: cluster({ status: 'running', operation: null }) },
    'GET /api/v1/operations': { body: page([operation({ status: 'succeeded', ended_at: '2026-01-03T00:20:00Z' })]) },
    ...extra,
  });
}

describe('cluster detail', () => {
  test('overview, nodes and the operation history with a link to each operation’s events', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway();
    renderPage(<ClusterDetail />, { me: asReader(), ...ROUTE });
    const overview = await screen.findByTestId('cluster-overview');
    expect(within(overview).getByText('v1.29.3 (amd64)')).toBeTruthy();
    expect(within(overview).getByText('calico')).toBeTruthy();
    expect(within(overview).getByText('10.244.0.0/16')).toBeTruthy();
    // A reader does not get the kubeconfig.
    expect(screen.queryByTestId('kubeconfig-download')).toBeNull();

    await user.click(screen.getByRole('tab', { name: 'Nodes (2)' }));
    const nodes = await screen.findByTestId('cluster-nodes');
    expect(within(nodes).getByText('worker-1').closest('tr')?.textContent).toContain('Worker');

    await user.click(screen.getByRole('tab', { name: 'Operations' }));
    const history = await screen.findByTestId('cluster-operations');
    expect(within(history).getByText('Deploy')).toBeTruthy();
    expect(within(history).getByText('20m 00s')).toBeTruthy();
    expect(within(history).getByTestId('operation-open-op-1').getAttribute('href')).toBe('/clusters/k-1/operations/op-1');
    expect(calls.find((c) => c.path === '/api/v1/operations')?.search.get('cluster_id')).toBe('k-1');
  });

  test('a project manager downloads the kubeconfig as a file', async () => {
    const user = userEvent.setup({ delay: null });
    gateway();
    // The kubeconfig is YAML, not JSON.
    const json = globalThis.fetch;
    globalThis.fetch = (async (req: Request) =>
      req.url.endsWith('/kubeconfig')
        ? new Response('apiVersion: v1\nkind: Config\n', {
            headers: { 'content-type': 'application/yaml', 'content-disposition': 'attachment; filename="prod-1-kubeconfig.yaml"' },
          })
        : json(req)) as typeof fetch;
    const created = vi.fn((blob: Blob) => (void blob, 'blob:kubeconfig'));
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() }));
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      expect(this.download).toBe('prod-1-kubeconfig.yaml');
    });
    renderPage(<ClusterDetail />, { me: asManager(), ...ROUTE });
    await user.click(await screen.findByTestId('kubeconfig-download'));
    await waitFor(() => expect(clicked).toHaveBeenCalled());
    expect(await created.mock.calls[0][0].text()).toContain('kind: Config');
  });
});
