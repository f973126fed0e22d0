import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { fakeApi, page } from '../../test/api';
import { asManager, project, PROJECT_ID } from '../../test/fixtures';
import { popconfirmButton } from '../../test/popconfirm';
import { renderPage } from '../../test/render';
import { cluster } from '../clusters/testData';
import AlertsPage from './AlertsPage';
import { channel, route, RULES, silence } from './testData';

const SLOW = { timeout: 15000 };

function managerPage(tab: 'silences' | 'routes', extra = {}) {
  const api = fakeApi({
    'GET /api/v1/projects': { body: page([project]) },
    'GET /api/v1/clusters': { body: page([cluster({ status: 'running' }), cluster({ id: 'k-2', name: 'dev-1', status: 'running' })]) },
    'GET /api/v1/alert-rules': { body: RULES },
    'GET /api/v1/notification-channels': { body: page([channel(), channel({ id: 'ch-2', name: 'ops-mail', kind: 'email' })]) },
    'GET /api/v1/alert-routes': { body: page([route()]) },
    'GET /api/v1/silences': { body: page([silence(), silence({ id: 's-2', rule: null, cluster_id: null, subject: null, comment: '', state: 'expired' })]) },
    ...extra,
  });
  renderPage(<AlertsPage />, { me: asManager(), route: `/alerts?tab=${tab}` });
  return api;
}

/** Chooses options of an open-able antd select (the open dropdown is the visible one). */
async function pick(combobox: HTMLElement, ...options: string[]) {
  await userEvent.click(combobox);
  const list = await waitFor(() => {
    const found = [...document.querySelectorAll('.ant-select-dropdown')].filter((d) => !d.className.includes('hidden'));
    if (!found.length) throw new Error('no open dropdown');
    return found[found.length - 1] as HTMLElement;
  });
  for (const option of options) await userEvent.click(await within(list).findByTitle(option));
}

describe('alert routes', () => {
  test('a new route sends its channels, rules, minimum severity, clusters and switches', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = managerPage('routes', { 'POST /api/v1/alert-routes': { status: 201, body: route() } });
    await user.click(await screen.findByTestId('route-create', {}, SLOW));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText('Name'), 'night-shift');
    await pick(within(dialog).getByLabelText('Channels'), 'ops-dingtalk', 'ops-mail');
    await pick(within(dialog).getByLabelText('Rules'), 'Node not ready');
    await user.click(within(dialog).getByText('Critical'));
    await pick(within(dialog).getByLabelText('Clusters'), 'dev-1');
    await user.click(within(dialog).getByLabelText('Send resolved'));
    await user.click(screen.getByTestId('route-submit'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true), SLOW);
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      project_id: PROJECT_ID,
      name: 'night-shift',
      channel_ids: ['ch-1', 'ch-2'],
      rules: ['node-not-ready'],
      min_severity: 'critical',
      cluster_ids: ['k-2'],
      send_resolved: false,
      enabled: true,
    });
  });

  test('editing sends the changed route; a name taken lands under the name', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = managerPage('routes', {
      'PATCH /api/v1/alert-routes/r-1': {
        status: 409,
        body: { error: 'conflict', detail: 'An alert route named ops already exists in this project: choose another name.', field: 'name' },
      },
    });
    const row = (await screen.findByText('ops-critical', {}, SLOW)).closest('tr') as HTMLElement;
    await user.click(within(row).getByRole('button', { name: 'Edit' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByLabelText<HTMLInputElement>('Name').value).toBe('ops-critical');
    await user.clear(within(dialog).getByLabelText('Name'));
    await user.type(within(dialog).getByLabelText('Name'), 'ops');
    await user.click(within(dialog).getByLabelText('Enabled'));
    await user.click(screen.getByTestId('route-submit'));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true), SLOW);
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({
      name: 'ops',
      channel_ids: ['ch-1'],
      rules: [],
      min_severity: 'critical',
      cluster_ids: [],
      send_resolved: true,
      enabled: false,
    });
    const item = within(dialog).getByLabelText('Name').closest('.ant-form-item') as HTMLElement;
    expect(await within(item).findByText(/already exists in this project/, {}, SLOW)).toBeTruthy();
  });

  test('delete asks first', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = managerPage('routes', { 'DELETE /api/v1/alert-routes/r-1': { status: 204 } });
    const row = (await screen.findByText('ops-critical', {}, SLOW)).closest('tr') as HTMLElement;
    await user.click(within(row).getByRole('button', { name: 'Delete' }));
    await user.click(await popconfirmButton('Delete'));
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.path.endsWith('/r-1'))).toBe(true), SLOW);
  });
});

describe('silences', () => {
  test('a manager expires an active silence now (not an expired one)', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = managerPage('silences', { 'DELETE /api/v1/silences/s-1': { status: 204 } });
    await screen.findByText('known bad release', {}, SLOW);
    expect(screen.queryByTestId('silence-expire-s-2')).toBeNull();
    const expired = screen.getByText('Every alert of the project').closest('tr') as HTMLElement;
    expect(within(expired).getByTestId('silence-state').textContent).toBe('Expired');
    await user.click(screen.getByTestId('silence-expire-s-1'));
    await user.click(await popconfirmButton('Expire now'));
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.path.endsWith('/s-1'))).toBe(true), SLOW);
  });

  test('a new silence of the whole project sends only its project, times and comment', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = managerPage('silences', { 'POST /api/v1/silences': { status: 201, body: silence() } });
    await user.click(await screen.findByTestId('silence-create', {}, SLOW));
    const dialog = await screen.findByRole('dialog');
    const before = Date.now();
    await user.click(within(dialog).getByTestId('silence-preset-1w'));
    await user.click(screen.getByTestId('silence-submit'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true), SLOW);
    const body = calls.find((c) => c.method === 'POST')?.body as Record<string, unknown>;
    expect(body).toMatchObject({ project_id: PROJECT_ID, rule: null, cluster_id: null, subject: null, starts_at: null, comment: '' });
    expect(Math.abs(Date.parse(body.ends_at as string) - before - 7 * 86400_000)).toBeLessThan(60_000);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });
});
