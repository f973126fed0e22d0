import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { describe, expect, test } from 'vitest';
import i18n from '../../../i18n';
import { fakeApi, page } from '../../../test/api';
import { liveEvent } from '../../../test/events';
import { asReader, project, PROJECT_ID } from '../../../test/fixtures';
import { renderPage } from '../../../test/render';
import ClusterDetail from '../Detail';
import ClusterList from '../List';
import { cluster, operation } from '../testData';
import type { ClusterHealth, HealthState } from './api';
import { HealthTag } from './HealthTag';
import { healthHandlers } from './live';

function health(overrides: Partial<ClusterHealth> = {}): ClusterHealth {
  return {
    cluster_id: 'k-1',
    project_id: PROJECT_ID,
    name: 'prod-1',
    cluster_status: 'running',
    state: 'healthy',
    reasons: [],
    findings: [],
    certificates_expire_at: null,
    last_backup_at: null,
    checked_at: '2026-01-04T00:00:30Z',
    unreachable_since: null,
    latency_ms: 12.4,
    nodes_ready: 2,
    nodes_total: 2,
    ...overrides,
  };
}

const degraded = health({
  state: 'degraded',
  certificates_expire_at: '2027-01-02T00:00:00Z',
  reasons: ['Node worker-1 is not Ready (KubeletNotReady).', 'etcd: member master-2 is unhealthy.'],
  nodes_ready: 1,
  nodes_total: 2,
  latency_ms: 250.2,
});

describe('health tag', () => {
  test.each<[HealthState, string, string]>([
    ['healthy', 'Healthy', 'green'],
    ['degraded', 'Degraded', 'orange'],
    ['unreachable', 'Unreachable', 'red'],
    ['unknown', 'Unknown', 'default'],
  ])('%s reads %s in %s', (state, text, color) => {
    render(<HealthTag health={{ state, reasons: [] }} />);
    const tag = screen.getByTestId('health-state');
    expect(tag.textContent).toBe(text);
    expect(tag.getAttribute('data-state')).toBe(state);
    if (color !== 'default') expect(tag.className).toContain(`ant-tag-${color}`);
  });

  test('no verdict yet reads unknown; the reasons show on hover; Chinese', async () => {
    render(<HealthTag health={null} />);
    expect(screen.getByTestId('health-state').textContent).toBe('Unknown');
    await act(() => i18n.changeLanguage('zh-CN'));
    expect(screen.getByTestId('health-state').textContent).toBe('未知');
  });

  test('a degraded tag shows its reasons on hover', async () => {
    render(<HealthTag health={degraded} />);
    await userEvent.hover(screen.getByTestId('health-state'));
    expect(await screen.findByText(/Node worker-1 is not Ready/)).toBeTruthy();
  });
});

describe('health in the clusters list', () => {
  test('one health call for the page, a tag on every row (unknown when the service has no verdict yet)', async () => {
    const { calls } = fakeApi({
      'GET /api/v1/projects': { body: page([project]) },
      'GET /api/v1/clusters': {
        body: page([
          cluster({ status: 'running' }),
          cluster({ id: 'k-2', name: 'dev-1', status: 'running' }),
          cluster({ id: 'k-3', name: 'new-1', status: 'deploying' }),
        ]),
      },
      'GET /api/v1/cluster-health': { body: page([degraded, health({ cluster_id: 'k-2', name: 'dev-1' })]) },
    });
    const { queryClient } = renderPage(<ClusterList />, { me: asReader() });
    const row = (name: string) => screen.getByTestId(`cluster-open-${name}`).closest('tr') as HTMLElement;
    await screen.findByTestId('cluster-open-prod-1');
    await waitFor(() => expect(within(row('prod-1')).getByTestId('health-state').textContent).toBe('Degraded'));
    expect(within(row('dev-1')).getByTestId('health-state').textContent).toBe('Healthy');
    expect(within(row('new-1')).getByTestId('health-state').textContent).toBe('Unknown');
    const asked = calls.filter((c) => c.path.includes('health'));
    expect(asked.map((c) => c.path)).toEqual(['/api/v1/cluster-health']);
    expect(asked[0].search.get('project_id')).toBe(PROJECT_ID);

    // A live change patches the row without another call.
    act(() =>
      healthHandlers['kubeoperator.observability.cluster.health-changed.v1'](
        queryClient,
        liveEvent('kubeoperator.observability.cluster.health-changed.v1', { ...health({ state: 'unreachable', reasons: ['The API server does not answer.'] }), previous_state: 'degraded' }),
      ),
    );
    await waitFor(() => expect(within(row('prod-1')).getByTestId('health-state').textContent).toBe('Unreachable'));
    expect(calls.filter((c) => c.path.includes('health'))).toHaveLength(1);
  });
});

function detail(healthAnswer: { status?: number; body?: unknown }) {
  const api = fakeApi({
    'GET /api/v1/clusters/k-1': { body: cluster({ status: 'running', operation: null, current_operation_id: null }) },
    'GET /api/v1/operations': { body: page([operation({ status: 'succeeded' })]) },
    'GET /api/v1/clusters/k-1/health': healthAnswer,
  });
  renderPage(
    <Routes>
      <Route path="/clusters/:clusterId" element={<ClusterDetail />} />
    </Routes>,
    { me: asReader(), route: '/clusters/k-1' },
  );
  return api;
}

describe('health on the cluster page', () => {
  test('the overview shows the state and its reasons; the Health tab the reasons, latency, nodes, last check', async () => {
    detail({ body: degraded });
    const overview = await screen.findByTestId('overview-health');
    await waitFor(() => expect(within(overview).getByTestId('health-state').textContent).toBe('Degraded'));
    expect(overview.textContent).toContain('etcd: member master-2 is unhealthy.');
    await userEvent.click(screen.getByRole('tab', { name: 'Health' }));
    const tab = await screen.findByTestId('cluster-health');
    expect(within(tab).getByTestId('health-reasons').querySelectorAll('li')).toHaveLength(2);
    expect(within(tab).getByTestId('health-latency').textContent).toBe('250 ms');
    expect(within(tab).getByTestId('health-nodes').textContent).toBe('1 of 2');
    expect(within(tab).getByTestId('health-checked-at').textContent).toMatch(/2026/);
    expect(within(tab).queryByTestId('health-unreachable-since')).toBeNull();
    expect(within(tab).getByTestId('health-certificates').textContent).toMatch(/2027/);
    expect(within(tab).getByTestId('health-last-backup').textContent).toBe('None yet');
  });

  test('unreachable: since when, in Chinese too', async () => {
    detail({ body: health({ state: 'unreachable', reasons: ['The API server does not answer: timed out.'], unreachable_since: '2026-01-04T00:00:00Z', latency_ms: null, nodes_ready: null, nodes_total: null }) });
    await userEvent.click(await screen.findByRole('tab', { name: 'Health' }));
    const tab = await screen.findByTestId('cluster-health');
    await waitFor(() => expect(within(tab).getByTestId('health-unreachable-since').textContent).toMatch(/2026/));
    expect(within(tab).getByTestId('health-latency').textContent).toBe('—');
    await act(() => i18n.changeLanguage('zh-CN'));
    expect(within(tab).getByTestId('health-state').textContent).toBe('不可达');
    expect(screen.getByRole('tab', { name: '健康状态' })).toBeTruthy();
  });

  test('no verdict yet (404): the tab says it is not known, the overview reads unknown', async () => {
    detail({ status: 404, body: { error: 'not_found', detail: 'No cluster k-1 whose health is known.' } });
    const overview = await screen.findByTestId('overview-health');
    await waitFor(() => expect(within(overview).getByTestId('health-state').textContent).toBe('Unknown'));
    await userEvent.click(screen.getByRole('tab', { name: 'Health' }));
    expect((await screen.findByTestId('health-unknown')).textContent).toContain('not known yet');
  });
});
