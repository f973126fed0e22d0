import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { describe, expect, test } from 'vitest';
import type { Schemas } from '../../../api';
import i18n from '../../../i18n';
import { fakeApi, page, type Recorded } from '../../../test/api';
import { liveEvent } from '../../../test/events';
import { asAdmin, asManager, asReader } from '../../../test/fixtures';
import { renderPage } from '../../../test/render';
import type { Cluster } from '../api';
import ClusterDetail from '../Detail';
import { clusterHandlers } from '../live';
import { cluster, operation } from '../testData';

const cert = (node: string, path: string, days_left: number, ca = false): Schemas['CertificateOut'] => ({
  node,
  path,
  subject: ca ? 'CN=kubernetes' : `CN=${path.split('/').pop()}`,
  issuer: 'CN=kubernetes',
  not_after: new Date(Date.UTC(2026, 0, 3) + days_left * 86_400_000).toISOString(),
  days_left,
  ca,
});
const checked: Schemas['CertificatesOut'] = {
  checked_at: '2026-01-03T00:00:00Z',
  expiring_within_days: 30,
  items: [
    cert('master-1', '/etc/kubernetes/admin.conf', -2),
    cert('master-1', '/etc/kubernetes/pki/front-proxy-client.crt', 12),
    cert('master-1', '/etc/kubernetes/pki/apiserver-kubelet-client.crt', 60),
    cert('worker-1', '/var/lib/kubelet/pki/kubelet-client-current.pem', 200),
    cert('master-1', '/etc/kubernetes/pki/ca.crt', 36500, true),
  ],
};
const never: Schemas['CertificatesOut'] = { checked_at: null, expiring_within_days: 30, items: [] };
const idle = { id: 'op-1', kind: 'deploy', status: 'succeeded', phase: null, phases_done: 4, phases_total: 4 };
const running = (overrides: Partial<Cluster> = {}) => cluster({ status: 'running', status_message: 'Running.', operation: idle, ...overrides });
const checking = (status = 'queued') => running({ operation: { id: 'op-7', kind: 'check-certificates', status, phase: null, phases_done: 0, phases_total: 1 } });

function tab(me = asManager(), routes = {}, c: Cluster = running(), certs = checked) {
  const api = fakeApi({
    'GET /api/v1/clusters/k-1': { body: c },
    'GET /api/v1/clusters/k-1/certificates': { body: certs },
    'GET /api/v1/operations': {
      body: page([operation({ id: 'op-8', kind: 'renew-certificates', status: 'succeeded' }), operation({ id: 'op-7', kind: 'check-certificates', status: 'succeeded' })]),
    },
    ...routes,
  });
  const { queryClient } = renderPage(
    <Routes>
      <Route path="/clusters/:clusterId" element={<ClusterDetail />} />
    </Routes>,
    { me, route: '/clusters/k-1' },
  );
  return { ...api, queryClient };
}

const open = async () => {
  await userEvent.click(await screen.findByRole('tab', { name: 'Certificates' }));
  return screen.findByTestId('cluster-certificates');
};
const reads = (calls: Recorded[], path: string) => calls.filter((c) => c.method === 'GET' && c.path === path).length;

describe('certificates tab', () => {
  test('every certificate soonest first: node, file, subject, expiry, days left coloured by the warning window, the CAs tagged', async () => {
    tab(asReader());
    const panel = await open();
    const table = await within(panel).findByTestId('certificates-table');
    const rows = [...table.querySelectorAll('tbody tr')];
    expect(rows.map((r) => r.querySelector('code')?.textContent)).toEqual(checked.items.map((c) => c.path));
    const days = within(table).getAllByTestId('days-left');
    expect(days.map((d) => d.textContent)).toEqual(['Expired', '12', '60', '200', '36500']);
    expect(days.map((d) => d.getAttribute('data-color'))).toEqual(['red', 'red', 'orange', 'green', 'green']);
    expect(rows.map((r) => within(r as HTMLElement).queryByText('CA') !== null)).toEqual([false, false, false, false, true]);
    expect(rows[3].textContent).toContain('worker-1');
    expect(within(panel).getByTestId('certificates-summary').textContent).toBe('2 expire within 30 days (or have expired).');
    expect(within(panel).getByTestId('certificates-checked-at').textContent).toMatch(/^Checked .*2026/);
    // A reader checks and renews nothing.
    expect(within(panel).queryByTestId('certificates-check')).toBeNull();
    expect(within(panel).queryByTestId('certificates-renew')).toBeNull();
  });

  test('never checked: an empty state saying so, not an empty table', async () => {
    tab(asManager(), {}, running(), never);
    const panel = await open();
    const empty = await within(panel).findByTestId('certificates-empty');
    expect(empty.textContent).toContain('have not been checked yet');
    expect(empty.textContent).toContain('Check now reads the expiry');
    expect(within(panel).queryByTestId('certificates-table')).toBeNull();
    expect(within(panel).getByTestId<HTMLButtonElement>('certificates-check').disabled).toBe(false);
  });

  test('Check now queues the check, shows its progress, and reads the list again when it ends', async () => {
    const state = { cluster: running(), certs: never };
    const { calls, queryClient } = tab(asManager(), {
      'GET /api/v1/clusters/k-1': () => ({ body: state.cluster }),
      'GET /api/v1/clusters/k-1/certificates': () => ({ body: state.certs }),
      'POST /api/v1/clusters/k-1/certificates/check': () => ((state.cluster = checking()), { status: 202, body: state.cluster }),
    });
    const panel = await open();
    await within(panel).findByTestId('certificates-empty');
    await userEvent.click(within(panel).getByTestId('certificates-check'));
    const progress = await within(panel).findByTestId('certificates-operation');
    expect(progress.getAttribute('href')).toBe('/clusters/k-1/operations/op-7');
    expect(progress.textContent).toContain('Check certificates');
    // Busy now: both buttons wait for it.
    expect(within(panel).getByTestId<HTMLButtonElement>('certificates-check').disabled).toBe(true);
    expect(within(panel).getByTestId<HTMLButtonElement>('certificates-renew').disabled).toBe(true);
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/api/v1/clusters/k-1/certificates/check']);
    const before = reads(calls, '/api/v1/clusters/k-1/certificates');

    // The operation ends (the live stream says so): the list is read again.
    state.cluster = checking('succeeded');
    state.certs = checked;
    act(() =>
      clusterHandlers['kubeoperator.deployment.operation.succeeded.v1'](
        queryClient,
        liveEvent('kubeoperator.deployment.operation.succeeded.v1', { id: 'op-7', cluster_id: 'k-1', kind: 'check-certificates', status: 'succeeded' }),
      ),
    );
    expect(await within(panel).findByTestId('certificates-table')).toBeTruthy();
    expect(reads(calls, '/api/v1/clusters/k-1/certificates')).toBe(before + 1);
    expect(within(panel).queryByTestId('certificates-operation')).toBeNull();
  });

  test('Renew asks first, saying what is renewed and what is not; a refusal stays in the dialog and the cluster is read again', async () => {
    const { calls } = tab(asAdmin(), {
      'POST /api/v1/clusters/k-1/certificates/renew': {
        status: 409,
        body: { error: 'conflict', detail: 'Cluster prod-1 is busy with operation op-9 (add-workers): wait for it or cancel it.', field: 'cluster_id' },
      },
    });
    const panel = await open();
    await userEvent.click(within(panel).getByTestId('certificates-renew'));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Renew the certificates of prod-1?')).toBeTruthy();
    expect(dialog.textContent).toContain('apiserver-kubelet-client and front-proxy-client. One master at a time');
    expect(dialog.textContent).toContain('The stored admin kubeconfig is refreshed');
    expect(dialog.textContent).toContain('made to last 100 years');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    const before = reads(calls, '/api/v1/clusters/k-1');
    await userEvent.click(screen.getByTestId('certificates-renew-submit'));
    expect((await within(dialog).findByTestId('certificates-renew-error')).textContent).toContain('busy with operation op-9');
    await waitFor(() => expect(reads(calls, '/api/v1/clusters/k-1')).toBe(before + 1));
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/api/v1/clusters/k-1/certificates/renew']);
  });

  test('Renew accepted: its progress shows on the tab', async () => {
    const renewing = running({ operation: { id: 'op-8', kind: 'renew-certificates', status: 'queued', phase: null, phases_done: 0, phases_total: 3 } });
    tab(asManager(), { 'POST /api/v1/clusters/k-1/certificates/renew': { status: 202, body: renewing } });
    const panel = await open();
    await userEvent.click(within(panel).getByTestId('certificates-renew'));
    await userEvent.click(await screen.findByTestId('certificates-renew-submit'));
    expect((await within(panel).findByTestId('certificates-operation')).textContent).toContain('Renew certificates');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  test('a cluster that is not running: both disabled, saying why', async () => {
    tab(asManager(), {}, running({ status: 'failed' }));
    const panel = await open();
    const check = within(panel).getByTestId<HTMLButtonElement>('certificates-check');
    expect(check.disabled).toBe(true);
    expect(within(panel).getByTestId<HTMLButtonElement>('certificates-renew').disabled).toBe(true);
    await userEvent.hover(check);
    expect(await screen.findByText('Certificates are checked and renewed only while the cluster is running.')).toBeTruthy();
  });

  test('the tab and the certificates kinds read in Chinese', async () => {
    tab(asReader());
    await open();
    await userEvent.click(screen.getByRole('tab', { name: 'Operations' }));
    const history = await screen.findByTestId('cluster-operations');
    expect(within(history).getByText('Renew certificates')).toBeTruthy();
    await act(() => i18n.changeLanguage('zh-CN'));
    expect(within(history).getByText('续期证书')).toBeTruthy();
    expect(within(history).getByText('检查证书')).toBeTruthy();
    await userEvent.click(screen.getByRole('tab', { name: '证书' }));
    expect(screen.getByTestId('certificates-summary').textContent).toBe('2 个证书将在 30 天内到期（或已过期）。');
    expect(screen.getAllByTestId('days-left')[0].textContent).toBe('已过期');
  });
});
