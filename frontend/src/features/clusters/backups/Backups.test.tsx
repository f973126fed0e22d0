import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { describe, expect, test } from 'vitest';
import type { Schemas } from '../../../api';
import i18n from '../../../i18n';
import { fakeApi, page, type Recorded } from '../../../test/api';
import { liveEvent } from '../../../test/events';
import { asAdmin, asManager, asReader, PROJECT_ID } from '../../../test/fixtures';
import { popconfirmButton } from '../../../test/popconfirm';
import { renderPage } from '../../../test/render';
import type { Cluster } from '../api';
import ClusterDetail from '../Detail';
import { clusterHandlers } from '../live';
import { cluster, operation } from '../testData';
import type { Strategy } from './strategy';

const SHA = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

function backup(overrides: Partial<Schemas['BackupOut']> = {}): Schemas['BackupOut'] {
  return {
    id: 'b-1',
    project_id: PROJECT_ID,
    cluster_id: 'k-1',
    cluster_name: 'prod-1',
    account_id: 'a-1',
    status: 'good',
    message: 'Stored and verified.',
    size: 1572864,
    revision: 48213,
    total_keys: 1042,
    etcd_hash: 1234,
    sha256: SHA,
    member: 'master-1',
    kubernetes_version: 'v1.29.3',
    trigger: 'manual',
    operation_id: 'op-b1',
    created_by: 'alice',
    created_at: '2026-01-04T02:00:00Z',
    completed_at: '2026-01-04T02:00:40Z',
    ...overrides,
  };
}

function account(id: string, name: string, kind: 'local' | 'sftp' | 's3'): Schemas['BackupAccountOut'] {
  return {
    id, name, kind, description: '', project_ids: [PROJECT_ID], directory: null, host: null, port: null, username: null,
    host_key: null, host_key_fingerprint: null, has_password: false, has_private_key: false, endpoint: null, region: null,
    bucket: null, access_key: null, has_secret_key: false, path_style: null, verify_tls: null,
    created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
  }; // prettier-ignore
}

const restoreRow: Schemas['RestoreOut'] = {
  id: 'r-1',
  project_id: PROJECT_ID,
  cluster_id: 'k-1',
  backup_id: 'b-1aaaaaaaa',
  status: 'failed',
  message: 'The snapshot read back does not match its checksum.',
  operation_id: 'op-r1',
  created_by: 'alice',
  created_at: '2026-01-05T00:00:00Z',
  completed_at: '2026-01-05T00:01:00Z',
};

const idle = { id: 'op-1', kind: 'deploy', status: 'succeeded', phase: null, phases_done: 4, phases_total: 4 };
const running = (overrides: Partial<Cluster> = {}) => cluster({ status: 'running', status_message: 'Running.', operation: idle, ...overrides });
const strategy: Strategy = {
  cluster_id: 'k-1', project_id: PROJECT_ID, account_id: 'a-2', cron: '0 2 * * *', keep_count: 7, keep_days: 30, enabled: true,
  next_run_at: '2026-01-06T02:00:00Z', last_run_at: null, last_backup_id: null, last_error: '', updated_by: 'alice',
  created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
}; // prettier-ignore

const LIST = [
  backup({ id: 'b-3', status: 'running', message: 'Taking the etcd snapshot.', size: null, revision: null, total_keys: null, sha256: null, completed_at: null, operation_id: 'op-run', created_at: '2026-01-04T04:00:00Z' }),
  backup(),
  backup({ id: 'b-0', status: 'failed', message: 'etcd has no healthy member.', size: null, sha256: null, trigger: 'schedule', created_at: '2026-01-03T02:00:00Z' }),
];

function tab(me = asManager(), routes = {}, c: Cluster = running()) {
  const api = fakeApi({
    'GET /api/v1/clusters/k-1': { body: c },
    'GET /api/v1/operations': { body: page([operation({ id: 'op-1', status: 'succeeded' })]) },
    'GET /api/v1/clusters/k-1/backups': { body: page(LIST) },
    'GET /api/v1/clusters/k-1/restores': { body: page([restoreRow]) },
    'GET /api/v1/clusters/k-1/backup-strategy': { status: 404, body: { error: 'not_found', detail: 'No strategy.' } },
    'GET /api/v1/operations/op-run': { body: operation({ id: 'op-run', kind: 'etcd-backup', phases: [] }) },
    'GET /api/v1/backup-accounts': { body: page([account('a-1', 'local-disk', 'local'), account('a-2', 'offsite-s3', 's3')]) },
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
  await userEvent.click(await screen.findByRole('tab', { name: 'Backups' }));
  return screen.findByTestId('cluster-backups');
};
const rowOf = (table: HTMLElement, i: number) => table.querySelectorAll('tbody tr.ant-table-row')[i] as HTMLElement;
const posts = (calls: Recorded[]) => calls.filter((c) => c.method !== 'GET').map((c) => ({ method: c.method, path: c.path, body: c.body }));

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

describe('backups tab', () => {
  test('every backup newest first: status, size readable, revision, keys, short sha256, member, version, trigger, message; restores listed', async () => {
    const { calls } = tab(asReader());
    const panel = await open();
    const table = await within(panel).findByTestId('backups-table');
    await waitFor(() => expect(within(table).getAllByTestId('backup-status').map((s) => s.textContent)).toEqual(['Running', 'Good', 'Failed']));
    const good = rowOf(table, 1);
    expect(within(good).getByTestId('backup-size').textContent).toBe('1.5 MiB');
    expect(good.textContent).toContain('48213');
    expect(good.textContent).toContain('1042');
    expect(within(good).getByTestId('backup-sha').textContent).toContain('9f86d081884c…');
    expect(good.textContent).not.toContain(SHA);
    expect(good.textContent).toContain('master-1');
    expect(good.textContent).toContain('v1.29.3');
    expect(good.textContent).toContain('Manual');
    expect(rowOf(table, 2).textContent).toContain('Scheduled');
    expect(rowOf(table, 2).textContent).toContain('etcd has no healthy member.');
    expect(within(rowOf(table, 0)).getByTestId('backup-size').textContent).toBe('—');
    // The list is asked for one page, newest first being the API's order.
    const list = calls.find((c) => c.path === '/api/v1/clusters/k-1/backups');
    expect(list?.search.get('limit')).toBe('10');
    expect(list?.search.get('offset')).toBe('0');
    // The running backup's operation is followed.
    expect((await within(panel).findByTestId('backup-operation')).getAttribute('href')).toBe('/clusters/k-1/operations/op-run');
    const restores = within(panel).getByTestId('restores-table');
    expect(within(restores).getByTestId('restore-status').textContent).toBe('Failed');
    expect(restores.textContent).toContain('does not match its checksum');
    // A reader backs up, deletes and restores nothing.
    expect(within(panel).queryByTestId('backup-now')).toBeNull();
    expect(within(panel).queryByTestId('backup-restore-b-1')).toBeNull();
    expect(within(panel).queryByTestId('strategy-save')).toBeNull();
    expect(within(panel).getByTestId('strategy-next-run').textContent).toContain('No schedule');
    expect(within(panel).getByTestId('strategy-cron').closest('form')?.style.display).toBe('none');
  });

  test('Restore only for good backups; Delete asks, then deletes; a running one cannot be deleted', async () => {
    const { calls } = tab(asManager(), { 'DELETE /api/v1/clusters/k-1/backups/b-0': { status: 204 } });
    const panel = await open();
    await within(panel).findByTestId('backup-restore-b-1');
    expect(within(panel).getByTestId<HTMLButtonElement>('backup-restore-b-1').disabled).toBe(false);
    expect(within(panel).getByTestId<HTMLButtonElement>('backup-restore-b-0').disabled).toBe(true);
    expect(within(panel).getByTestId<HTMLButtonElement>('backup-restore-b-3').disabled).toBe(true);
    expect(within(panel).getByTestId<HTMLButtonElement>('backup-delete-b-3').disabled).toBe(true);
    await userEvent.click(within(panel).getByTestId('backup-delete-b-0'));
    await userEvent.click(await popconfirmButton('Delete'));
    await waitFor(() => expect(posts(calls)).toEqual([{ method: 'DELETE', path: '/api/v1/clusters/k-1/backups/b-0', body: undefined }]));
  });

  test('Back up now posts the chosen account, shows the operation live, and reads the list again when it ends', async () => {
    const state = { op: operation({ id: 'op-new', kind: 'etcd-backup', status: 'running', phases: [
      { position: 0, name: 'etcd-backup', status: 'running', runs: 1, started_at: null, ended_at: null, message: '' },
      { position: 1, name: 'deliver', status: 'pending', runs: 0, started_at: null, ended_at: null, message: '' },
    ] }), list: [backup()] }; // prettier-ignore
    const { calls, queryClient } = tab(asManager(), {
      'GET /api/v1/clusters/k-1/backups': () => ({ body: page(state.list) }),
      'GET /api/v1/operations/op-new': () => ({ body: state.op }),
      'POST /api/v1/clusters/k-1/backups': () => ({ status: 201, body: backup({ id: 'b-new', status: 'running', operation_id: 'op-new' }) }),
    });
    const panel = await open();
    await within(panel).findByTestId('backup-restore-b-1');
    await userEvent.click(within(panel).getByTestId('backup-now'));
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('Back up prod-1 now');
    await pick(within(dialog).getByRole('combobox'), 'offsite-s3 (S3)');
    expect(calls.find((c) => c.path === '/api/v1/backup-accounts')?.search.get('project_id')).toBe(PROJECT_ID);
    await userEvent.click(screen.getByTestId('backup-now-submit'));
    await waitFor(() => expect(posts(calls)).toEqual([{ method: 'POST', path: '/api/v1/clusters/k-1/backups', body: { account_id: 'a-2' } }]));
    const progress = await within(panel).findByTestId('backup-operation');
    expect(progress.getAttribute('href')).toBe('/clusters/k-1/operations/op-new');
    expect(progress.textContent).toContain('Back up etcd · 0/2 phases · etcd-backup');

    // The operation ends (the live stream says so): the list is read again and shows the new backup.
    const before = calls.filter((c) => c.path === '/api/v1/clusters/k-1/backups').length;
    state.op = { ...state.op, status: 'succeeded', phases: state.op.phases.map((p) => ({ ...p, status: 'succeeded' })) };
    state.list = [backup({ id: 'b-new', revision: 50000 }), backup()];
    act(() =>
      clusterHandlers['kubeoperator.deployment.operation.succeeded.v1'](
        queryClient,
        liveEvent('kubeoperator.deployment.operation.succeeded.v1', { id: 'op-new', cluster_id: 'k-1', kind: 'etcd-backup', status: 'succeeded' }),
      ),
    );
    await waitFor(() => expect(within(panel).queryByTestId('backup-operation')).toBeNull());
    await waitFor(() => expect(calls.filter((c) => c.path === '/api/v1/clusters/k-1/backups').length).toBeGreaterThan(before));
    expect(await within(panel).findByText('50000')).toBeTruthy();
  });

  test('Back up now with no account shared with the project says so', async () => {
    tab(asAdmin(), { 'GET /api/v1/backup-accounts': { body: page([]) } });
    const panel = await open();
    await userEvent.click(await within(panel).findByTestId('backup-now'));
    expect((await screen.findByTestId('backup-no-accounts')).textContent).toContain('No backup account is shared with this project.');
    expect(screen.getByTestId<HTMLButtonElement>('backup-now-submit').disabled).toBe(true);
  });

  test('a busy cluster: Back up now and Restore disabled, saying why', async () => {
    tab(asManager(), {}, running({ operation: { id: 'op-9', kind: 'upgrade', status: 'running', phase: null, phases_done: 1, phases_total: 5 } }));
    const panel = await open();
    const now = await within(panel).findByTestId<HTMLButtonElement>('backup-now');
    expect(now.disabled).toBe(true);
    expect(within(panel).getByTestId<HTMLButtonElement>('backup-restore-b-1').disabled).toBe(true);
    await userEvent.hover(now);
    expect(await screen.findByText('An operation is running on this cluster: wait for it or cancel it first.')).toBeTruthy();
  });

  test('the restore dialog warns, refuses a wrong name and enables Restore only with the exact name; the API’s refusal of confirm shows under the field', async () => {
    const { calls } = tab(asManager(), {
      'POST /api/v1/clusters/k-1/restores': {
        status: 422,
        body: { error: 'invalid_input', detail: "confirm: type the cluster's name (prod-1) to confirm: a restore replaces all of its data.", field: 'confirm' },
      },
    });
    const panel = await open();
    await userEvent.click(await within(panel).findByTestId('backup-restore-b-1'));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByTestId('restore-warning').textContent).toContain('All of the cluster’s data is replaced');
    expect(dialog.textContent).toContain('unavailable until the restore ends');
    expect(dialog.textContent).toContain('revision 48213');
    const submit = screen.getByTestId<HTMLButtonElement>('restore-submit');
    const input = within(dialog).getByTestId('restore-confirm');
    expect(submit.disabled).toBe(true);
    fireEvent.change(input, { target: { value: 'prod-2' } });
    expect(submit.disabled).toBe(true);
    expect(dialog.textContent).toContain('This is not the cluster’s name.');
    fireEvent.change(input, { target: { value: 'PROD-1' } });
    expect(submit.disabled).toBe(true);
    fireEvent.change(input, { target: { value: 'prod-1 ' } });
    expect(submit.disabled).toBe(true);
    fireEvent.change(input, { target: { value: 'prod-1' } });
    expect(submit.disabled).toBe(false);
    // antd lets the help fade out.
    await waitFor(() => expect(dialog.textContent).not.toContain('This is not the cluster’s name.'));
    await userEvent.click(submit);
    expect(await within(dialog).findByText("confirm: type the cluster's name (prod-1) to confirm: a restore replaces all of its data.")).toBeTruthy();
    expect(posts(calls)).toEqual([{ method: 'POST', path: '/api/v1/clusters/k-1/restores', body: { backup_id: 'b-1', confirm: 'prod-1' } }]);
    expect(screen.getByRole('dialog')).toBeTruthy();
  });

  test('a restore accepted: the dialog closes and its operation shows on the tab', async () => {
    tab(asManager(), {
      'POST /api/v1/clusters/k-1/restores': { status: 201, body: { ...restoreRow, id: 'r-2', status: 'running', message: 'Restoring.', operation_id: 'op-rst' } },
      'GET /api/v1/operations/op-rst': { body: operation({ id: 'op-rst', kind: 'etcd-restore', status: 'queued', phases: [] }) },
    });
    const panel = await open();
    await userEvent.click(await within(panel).findByTestId('backup-restore-b-1'));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByTestId('restore-confirm'), { target: { value: 'prod-1' } });
    await userEvent.click(screen.getByTestId('restore-submit'));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const progress = await within(panel).findByTestId('backup-operation');
    expect(progress.getAttribute('href')).toBe('/clusters/k-1/operations/op-rst');
    expect(progress.textContent).toContain('Restore etcd');
  });

  test('the schedule: none yet, then saved with the account, cron and retention, its next run shown', async () => {
    const { calls } = tab(asManager(), { 'PUT /api/v1/clusters/k-1/backup-strategy': ({ body }: Recorded) => ({ body: { ...strategy, ...(body as object) } }) });
    const panel = await open();
    const form = await within(panel).findByTestId('backup-strategy');
    expect((await within(form).findByTestId('strategy-next-run')).textContent).toContain('No schedule');
    expect(form.textContent).toContain('Examples: 0 2 * * *');
    await pick(within(form).getByRole('combobox'), 'offsite-s3 (S3)');
    fireEvent.change(within(form).getByTestId('strategy-cron'), { target: { value: '0 */6 * * *' } });
    await userEvent.click(within(form).getByTestId('strategy-save'));
    await waitFor(() =>
      expect(posts(calls)).toEqual([
        { method: 'PUT', path: '/api/v1/clusters/k-1/backup-strategy', body: { account_id: 'a-2', cron: '0 */6 * * *', keep_count: 7, keep_days: null, enabled: true } },
      ]),
    );
    expect((await within(form).findByTestId('strategy-next-run')).textContent).toMatch(/^Next backup: .*2026/);
  });

  test('the schedule’s 422 lands on its field', async () => {
    tab(asManager(), {
      'GET /api/v1/clusters/k-1/backup-strategy': { body: strategy },
      'PUT /api/v1/clusters/k-1/backup-strategy': {
        status: 422,
        body: { error: 'invalid_input', detail: 'Invalid input.', fields: [{ field: 'cron', message: 'use 5 fields (minute hour day-of-month month day-of-week, in UTC)' }] },
      },
    });
    const panel = await open();
    const form = await within(panel).findByTestId('backup-strategy');
    await waitFor(() => expect(within(form).getByTestId<HTMLInputElement>('strategy-cron').value).toBe('0 2 * * *'));
    await userEvent.click(within(form).getByTestId('strategy-save'));
    expect(await within(form).findByText('use 5 fields (minute hour day-of-month month day-of-week, in UTC)')).toBeTruthy();
  });

  test('the tab reads in Chinese', async () => {
    tab(asManager());
    const panel = await open();
    await within(panel).findByTestId('backup-restore-b-1');
    await act(() => i18n.changeLanguage('zh-CN'));
    expect(screen.getByRole('tab', { name: '备份' })).toBeTruthy();
    expect(within(panel).getAllByTestId('backup-status').map((s) => s.textContent)).toEqual(['进行中', '正常', '失败']);
    expect(within(panel).getByTestId('backup-now').textContent).toContain('立即备份');
    expect(within(panel).getByTestId('backup-restore-b-1').textContent).toContain('恢复');
  });
});
