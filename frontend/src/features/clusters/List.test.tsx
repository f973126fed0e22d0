import { screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { fakeApi, page } from '../../test/api';
import { asManager, asReader, project } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import ClusterList from './List';
import { cluster } from './testData';

function gateway(clusters = [cluster()], extra = {}) {
  return fakeApi({
    'GET /api/v1/projects': { body: page([project]) },
    'GET /api/v1/clusters': { body: page(clusters) },
    ...extra,
  });
}

describe('clusters list', () => {
  test('status, version, node count and the current operation with its progress', async () => {
    gateway([cluster(), cluster({ id: 'k-2', name: 'dev-1', status: 'running', operation: null, current_operation_id: null })]);
    renderPage(<ClusterList />, { me: asReader() });
    const row = (await screen.findByTestId('cluster-open-prod-1')).closest('tr') as HTMLElement;
    expect(within(row).getByText('Deploying')).toBeTruthy();
    expect(within(row).getByText('v1.29.3 (amd64)')).toBeTruthy();
    expect(within(row).getByText('2 (1 master, 1 worker)')).toBeTruthy();
    expect(within(row).getByText(/Deploy · 2\/4 phases · masters/)).toBeTruthy();
    expect(within(row).getByRole('progressbar').getAttribute('aria-valuenow')).toBe('50');
    expect(within(row).getByRole('link', { name: /Deploy/ }).getAttribute('href')).toBe('/clusters/k-1/operations/op-1');
    const other = screen.getByTestId('cluster-open-dev-1').closest('tr') as HTMLElement;
    expect(within(other).getByText('Running')).toBeTruthy();
  });

  test('a read-only member gets no create button', async () => {
    gateway();
    renderPage(<ClusterList />, { me: asReader() });
    await screen.findByText('prod-1');
    expect(screen.queryByTestId('cluster-create')).toBeNull();
  });

  test('no clusters, no hosts, no package: the writer is pointed at the wizard, Hosts and Offline packages', async () => {
    gateway([], { 'GET /api/v1/hosts': { body: page([]) }, 'GET /api/v1/versions': { body: { items: [] } } });
    renderPage(<ClusterList />, { me: asManager() });
    const empty = await screen.findByTestId('clusters-empty');
    expect(within(empty).getByRole('link', { name: /Create cluster/ }).getAttribute('href')).toBe('/clusters/new');
    expect((await screen.findByTestId('clusters-need-hosts')).querySelector('a')?.getAttribute('href')).toBe('/inventory/hosts');
    expect((await screen.findByTestId('clusters-need-package')).querySelector('a')?.getAttribute('href')).toBe('/admin/offline-packages');
  });

  test('a reader with no clusters is told who can create one', async () => {
    gateway([]);
    renderPage(<ClusterList />, { me: asReader() });
    expect(await screen.findByText(/A project manager can create one/)).toBeTruthy();
  });
});
