import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { fakeApi, page, type Recorded } from '../../test/api';
import { asManager, asReader, host, project } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import { cluster, operation } from '../clusters/testData';
import { ProjectDashboard } from './Dashboard';

const CLUSTERS = [
  cluster(),
  cluster({ id: 'k-2', name: 'dev-1', status: 'running', operation: null, current_operation_id: null }),
  cluster({ id: 'k-3', name: 'dev-2', status: 'running', operation: null, current_operation_id: null }),
];
const HOSTS = [host(), host({ id: 'h-2', name: 'worker-1', status: 'unreachable' }), host({ id: 'h-3', name: 'worker-2', status: 'ready' })];

// The API filters by status: so does the fake, answering a page whose total is the count.
const byStatus =
  <T extends { status?: string | null }>(items: T[]) =>
  (req: Recorded) => {
    const status = req.search.get('status');
    const matching = status ? items.filter((i) => i.status === status) : items;
    return { body: { ...page(matching.slice(0, Number(req.search.get('limit') ?? 50))), total: matching.length } };
  };

function gateway(clusters = CLUSTERS, hosts = HOSTS, operations = [operation()]) {
  return fakeApi({
    'GET /api/v1/projects': { body: page([project]) },
    'GET /api/v1/clusters': byStatus(clusters),
    'GET /api/v1/hosts': byStatus(hosts),
    'GET /api/v1/operations': { body: page(operations) },
  });
}

describe('overview: the project picture', () => {
  test('clusters by status, host health by status, recent operations with progress and links', async () => {
    const { calls } = gateway();
    renderPage(<ProjectDashboard />, { me: asReader() });
    const clusters = await screen.findByTestId('overview-clusters', {}, { timeout: 10_000 });
    await waitFor(() => expect(clusters.querySelector('[data-status="running"]')?.getAttribute('data-count')).toBe('2'), { timeout: 10_000 });
    expect(clusters.querySelector('[data-status="deploying"]')?.getAttribute('data-count')).toBe('1');
    expect(clusters.querySelector('[data-status="failed"]')).toBeNull();
    expect(within(clusters).getByText('Clusters: 3. By status:')).toBeTruthy();

    const hosts = screen.getByTestId('overview-hosts');
    await waitFor(() => expect(hosts.querySelector('[data-status="ready"]')?.getAttribute('data-count')).toBe('2'), { timeout: 10_000 });
    expect(hosts.querySelector('[data-status="unreachable"]')?.getAttribute('data-count')).toBe('1');
    expect(within(hosts).getByText(/Some hosts need attention/)).toBeTruthy();

    const ops = screen.getByTestId('overview-operations');
    const row = (await within(ops).findByText('prod-1', {}, { timeout: 10_000 })).closest('tr') as HTMLElement;
    expect(within(row).getByText(/Deploy · 2\/4 phases · masters/)).toBeTruthy();
    expect(within(row).getByTestId('overview-operation-op-1').getAttribute('href')).toBe('/clusters/k-1/operations/op-1');
    expect(within(row).getByRole('link', { name: 'prod-1' }).getAttribute('href')).toBe('/clusters/k-1');
    // One list each, in the current project.
    const lists = calls.filter((c) => c.path === '/api/v1/clusters' || c.path === '/api/v1/hosts');
    expect(lists.every((c) => c.search.get('project_id') === project.id && !c.search.get('status'))).toBe(true);
  });

  test('a new project: each card says what to do next (writers get the way there)', async () => {
    gateway([], [], []);
    renderPage(<ProjectDashboard />, { me: asManager() });
    const clusters = await screen.findByTestId('overview-clusters-empty', {}, { timeout: 10_000 });
    expect(within(clusters).getByText(/Add hosts, import an offline package/)).toBeTruthy();
    expect(within(clusters).getByRole('link', { name: /Create cluster/ }).getAttribute('href')).toBe('/clusters/new');
    const hosts = await screen.findByTestId('overview-hosts-empty', {}, { timeout: 10_000 });
    expect(within(hosts).getByRole('link', { name: /Credentials/ }).getAttribute('href')).toBe('/inventory/credentials');
    expect(within(hosts).getByRole('link', { name: /Hosts/ }).getAttribute('href')).toBe('/inventory/hosts');
    expect(await screen.findByTestId('overview-operations-empty', {}, { timeout: 10_000 })).toBeTruthy();
  });

  test('a reader of an empty project is told who can act, with no create buttons', async () => {
    gateway([], [], []);
    renderPage(<ProjectDashboard />, { me: asReader() });
    expect(within(await screen.findByTestId('overview-clusters-empty', {}, { timeout: 10_000 })).getByText(/A project manager can create one/)).toBeTruthy();
    expect(within(await screen.findByTestId('overview-hosts-empty', {}, { timeout: 10_000 })).getByText(/A project manager can add them/)).toBeTruthy();
    expect(screen.queryByRole('link', { name: /Create cluster/ })).toBeNull();
  });

  test('an operation whose cluster is gone (a finished delete) is listed as such', async () => {
    gateway(CLUSTERS, HOSTS, [operation({ id: 'op-7', cluster_id: 'k-gone', kind: 'reset', status: 'succeeded' })]);
    renderPage(<ProjectDashboard />, { me: asReader() });
    const ops = await screen.findByTestId('overview-operations', {}, { timeout: 10_000 });
    expect(await within(ops).findByText('Deleted cluster', {}, { timeout: 10_000 })).toBeTruthy();
    expect(within(ops).getByText(/Reset/)).toBeTruthy();
  });
});
