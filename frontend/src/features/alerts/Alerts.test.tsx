import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useLocation } from 'react-router';
import { describe, expect, test } from 'vitest';
import i18n from '../../i18n';
import { liveHandlers } from '../../live/handlers';
import { fakeApi, page, type Recorded } from '../../test/api';
import { liveEvent } from '../../test/events';
import { asManager, asReader, project, PROJECT_ID } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import { cluster } from '../clusters/testData';
import { AlertsBadge } from './AlertsBadge';
import AlertsPage from './AlertsPage';
import { alert, RULES } from './testData';

const SLOW = { timeout: 15000 };

/** Shows the router's query string, as the address bar would. */
function Address() {
  return <div data-testid="address">{useLocation().search}</div>;
}

const resolved = alert({
  id: 'a-2',
  rule: 'pod-crash-looping',
  cluster_id: 'k-2',
  cluster_name: 'dev-1',
  subject: 'shop/web-1',
  severity: 'warning',
  message: 'Back-off restarting failed container web',
  status: 'resolved',
  resolved_at: '2026-01-04T01:00:00Z',
  count: 3,
  silenced: true,
});

const alertCalls = (calls: Recorded[]) => calls.filter((c) => c.method === 'GET' && c.path === '/api/v1/alerts');
const lastAlertCall = (calls: Recorded[]) => alertCalls(calls).at(-1)?.search;
const rowOf = (text: string) => screen.getByText(text).closest('tr') as HTMLElement;

function alertsPage({ route = '/alerts', me = asReader(), alerts = [alert(), resolved], extra = {} } = {}) {
  const api = fakeApi({
    'GET /api/v1/projects': { body: page([project]) },
    'GET /api/v1/clusters': { body: page([cluster({ status: 'running' }), cluster({ id: 'k-2', name: 'dev-1', status: 'running' })]) },
    'GET /api/v1/alert-rules': { body: RULES },
    'GET /api/v1/alerts': { body: page(alerts) },
    ...extra,
  });
  const rendered = renderPage(
    <>
      <AlertsPage />
      <Address />
    </>,
    { me, route },
  );
  return { ...api, ...rendered };
}

/** Chooses an option of an antd select (the open dropdown is the visible one). */
async function pick(combobox: HTMLElement, option: string) {
  await userEvent.click(combobox);
  const list = await waitFor(() => {
    const found = [...document.querySelectorAll('.ant-select-dropdown')].filter((d) => !d.className.includes('hidden'));
    if (!found.length) throw new Error('no open dropdown');
    return found[found.length - 1] as HTMLElement;
  });
  await userEvent.click(within(list).getByTitle(option));
}

describe('alerts page', () => {
  test('lists the firing alerts of the project: severity in colour, rule title in the UI language, cluster link, counts', async () => {
    const { calls } = alertsPage({ alerts: [alert()] });
    await waitFor(() => expect(screen.getByText('Node not ready')).toBeTruthy(), SLOW);
    expect(Object.fromEntries(lastAlertCall(calls) ?? [])).toEqual({ project_id: PROJECT_ID, status: 'firing', limit: '50', offset: '0' });
    const row = rowOf('Node not ready');
    const severity = within(row).getByTestId('alert-severity');
    expect(severity.textContent).toBe('Critical');
    expect(severity.className).toContain('ant-tag-red');
    expect(within(row).getByText('prod-1').getAttribute('href')).toBe('/clusters/k-1');
    expect(within(row).getByText('worker-1')).toBeTruthy();
    expect(within(row).getByText(/kubelet stopped posting status/)).toBeTruthy();
    expect(within(row).getByText('7')).toBeTruthy();
    expect(within(row).queryByTestId('alert-silenced')).toBeNull();
    expect(screen.queryByRole('columnheader', { name: 'Resolved at' })).toBeNull();

    await act(() => i18n.changeLanguage('zh-CN'));
    await waitFor(() => expect(screen.getByText('节点未就绪')).toBeTruthy());
    expect(within(rowOf('节点未就绪')).getByTestId('alert-severity').textContent).toBe('严重');
    for (const header of ['严重级别', '告警规则', '集群', '对象', '消息', '次数', '静默']) {
      expect(screen.getByRole('columnheader', { name: header })).toBeTruthy();
    }
    expect(screen.getByRole('tab', { name: '触发中' })).toBeTruthy();
  });

  test('the History tab lists every status with when it resolved; filters go into the request and the address', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = alertsPage();
    await user.click(await screen.findByRole('tab', { name: 'History' }, SLOW));
    await waitFor(() => expect(lastAlertCall(calls)?.get('status')).toBeNull());
    expect(screen.getByTestId('address').textContent).toBe('?tab=history');
    const row = await waitFor(() => rowOf('Pod crash-looping'));
    expect(within(row).getByTestId('alert-status').textContent).toBe('Resolved');
    expect(within(row).getByTestId('alert-silenced').textContent).toBe('Silenced');
    expect(within(row).getByTestId('alert-severity').className).toContain('ant-tag-orange');
    expect(screen.getByRole('columnheader', { name: 'Resolved at' })).toBeTruthy();

    await pick(within(screen.getByTestId('alerts-status')).getByRole('combobox'), 'Resolved');
    await waitFor(() => expect(lastAlertCall(calls)?.get('status')).toBe('resolved'));
    await pick(within(screen.getByTestId('alerts-rule')).getByRole('combobox'), 'Pod crash-looping');
    await waitFor(() => expect(lastAlertCall(calls)?.get('rule')).toBe('pod-crash-looping'));
    await pick(within(screen.getByTestId('alerts-cluster')).getByRole('combobox'), 'dev-1');
    await waitFor(() => expect(lastAlertCall(calls)?.get('cluster_id')).toBe('k-2'));
    // One cluster asked for: its project is implied.
    expect(lastAlertCall(calls)?.get('project_id')).toBeNull();
    expect(Object.fromEntries(new URLSearchParams(screen.getByTestId('address').textContent ?? ''))).toEqual({
      tab: 'history',
      status: 'resolved',
      rule: 'pod-crash-looping',
      cluster_id: 'k-2',
    });

    await user.click(screen.getByTestId('alerts-clear'));
    await waitFor(() => expect(screen.getByTestId('address').textContent).toBe('?tab=history'));
  });

  test('a link from a cluster page (?cluster_id=…) asks for that cluster’s alerts; All my projects drops the project', async () => {
    const { calls } = alertsPage({ route: '/alerts?cluster_id=k-1' });
    await waitFor(() => expect(lastAlertCall(calls)?.get('cluster_id')).toBe('k-1'), SLOW);
    await pick(within(screen.getByTestId('alerts-project')).getByRole('combobox'), 'All my projects');
    await waitFor(() => expect(screen.getByTestId('address').textContent).toBe('?project=all'));
    await waitFor(() => expect(Object.fromEntries(lastAlertCall(calls) ?? [])).toEqual({ status: 'firing', limit: '50', offset: '0' }));
  });

  test('a live firing event reads the list again', async () => {
    const { calls, queryClient } = alertsPage();
    await waitFor(() => expect(screen.getByText('Node not ready')).toBeTruthy(), SLOW);
    const before = alertCalls(calls).length;
    act(() =>
      liveHandlers['kubeoperator.observability.alert.firing.v1']?.(
        queryClient,
        liveEvent('kubeoperator.observability.alert.firing.v1', { id: 'a-3', project_id: PROJECT_ID, cluster_id: 'k-1', rule: 'node-not-ready' }),
      ),
    );
    await waitFor(() => expect(alertCalls(calls).length).toBe(before + 1));
  });

  test('Silence… opens the dialog prefilled from the row; a refused end lands under its field', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = alertsPage({
      me: asManager(),
      extra: {
        'POST /api/v1/silences': {
          status: 422,
          body: {
            error: 'validation_error',
            detail: 'ends_at: is in the past: a silence must end in the future',
            field: 'ends_at',
            fields: [{ field: 'ends_at', message: 'is in the past: a silence must end in the future' }],
          },
        },
      },
    });
    await user.click(await screen.findByTestId('alert-silence-a-1', {}, SLOW));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByTitle('default')).toBeTruthy();
    await waitFor(() => expect(within(dialog).getByTitle('Node not ready')).toBeTruthy());
    expect(within(dialog).getByTitle('prod-1')).toBeTruthy();
    expect(within(dialog).getByLabelText<HTMLInputElement>('Subject').value).toBe('worker-1');

    // The end is required.
    await user.click(screen.getByTestId('silence-submit'));
    const endsItem = screen.getByTestId('silence-ends').closest('.ant-form-item') as HTMLElement;
    expect(await within(endsItem).findByText('Required.')).toBeTruthy();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    const before = Date.now();
    await user.click(within(dialog).getByTestId('silence-preset-4h'));
    await user.type(within(dialog).getByLabelText('Comment'), 'draining worker-1');
    await user.click(screen.getByTestId('silence-submit'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true), SLOW);
    const body = calls.find((c) => c.method === 'POST')?.body as Record<string, unknown>;
    expect(body).toMatchObject({
      project_id: PROJECT_ID,
      rule: 'node-not-ready',
      cluster_id: 'k-1',
      subject: 'worker-1',
      starts_at: null,
      comment: 'draining worker-1',
    });
    const ends = Date.parse(body.ends_at as string);
    expect(ends - before).toBeGreaterThan(4 * 3600_000 - 60_000);
    expect(ends - before).toBeLessThan(4 * 3600_000 + 60_000);
    expect(await within(endsItem).findByText('is in the past: a silence must end in the future', {}, SLOW)).toBeTruthy();
    expect(screen.queryByTestId('form-error')).toBeNull();
  });

  test('a read-only member sees the alerts, silences and routes but no Silence…, New silence, Expire now, New route, edit or delete', async () => {
    const user = userEvent.setup({ delay: null });
    const { silence, route, channel } = await import('./testData');
    alertsPage({
      extra: {
        'GET /api/v1/silences': { body: page([silence()]) },
        'GET /api/v1/alert-routes': { body: page([route()]) },
        'GET /api/v1/notification-channels': { body: page([channel()]) },
      },
    });
    await waitFor(() => expect(screen.getByText('Node not ready')).toBeTruthy(), SLOW);
    expect(screen.queryByTestId('alert-silence-a-1')).toBeNull();

    await user.click(screen.getByRole('tab', { name: 'Silences' }));
    const silenceRow = await waitFor(() => rowOf('known bad release'));
    expect(within(silenceRow).getByTestId('silence-state').textContent).toBe('Active');
    expect(within(silenceRow).getByText('Rule: Pod crash-looping')).toBeTruthy();
    expect(within(silenceRow).getByText('Cluster: prod-1')).toBeTruthy();
    expect(within(silenceRow).getByText('Subject: shop/web-1')).toBeTruthy();
    expect(within(silenceRow).getByText('alice')).toBeTruthy();
    expect(screen.queryByTestId('silence-create')).toBeNull();
    expect(screen.queryByTestId('silence-expire-s-1')).toBeNull();

    await user.click(screen.getByRole('tab', { name: 'Routes' }));
    const routeRow = await waitFor(() => rowOf('ops-critical'));
    await waitFor(() => expect(within(routeRow).getByText('ops-dingtalk')).toBeTruthy());
    expect(within(routeRow).getByText('All rules')).toBeTruthy();
    expect(within(routeRow).getByText('All clusters')).toBeTruthy();
    expect(screen.queryByTestId('route-create')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
  });
});

describe('cluster alerts badge', () => {
  test('counts the cluster’s firing alerts and links to them', async () => {
    const { calls } = fakeApi({ 'GET /api/v1/alerts': { body: { items: [alert()], total: 3, limit: 1, offset: 0 } } });
    renderPage(<AlertsBadge clusterId="k-1" />, { me: asReader() });
    const badge = await screen.findByTestId('cluster-alerts', {}, SLOW);
    expect(badge.textContent).toBe('3 firing');
    expect(badge.getAttribute('href')).toBe('/alerts?cluster_id=k-1');
    expect(Object.fromEntries(lastAlertCall(calls) ?? [])).toEqual({ cluster_id: 'k-1', status: 'firing', limit: '1', offset: '0' });
  });
});
