import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import type { Schemas } from '../../api';
import { fakeApi, page } from '../../test/api';
import { asAdmin, project } from '../../test/fixtures';
import { popconfirmButton } from '../../test/popconfirm';
import { renderPage } from '../../test/render';
import BackupAccountList from './List';

const teamA = { ...project, id: 'p-team-a', name: 'team-a' };
const SLOW = { timeout: 15000 };

function account(overrides: Partial<Schemas['BackupAccountOut']> = {}): Schemas['BackupAccountOut'] {
  return {
    id: 'a-local',
    name: 'local-disk',
    description: '',
    kind: 'local',
    project_ids: [],
    directory: '/var/backups/ko',
    host: null,
    port: null,
    username: null,
    host_key: null,
    host_key_fingerprint: null,
    has_password: false,
    has_private_key: false,
    endpoint: null,
    region: null,
    bucket: null,
    access_key: null,
    has_secret_key: false,
    path_style: null,
    verify_tls: null,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

const sftp = account({
  id: 'a-sftp',
  name: 'offsite-sftp',
  kind: 'sftp',
  directory: '/srv/backups',
  host: 'backup.example.com',
  port: 2222,
  username: 'ko',
  host_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKey',
  host_key_fingerprint: 'SHA256:hostkeyfp',
  has_password: true,
  project_ids: [teamA.id],
});
const s3 = account({
  id: 'a-s3',
  name: 'nightly-s3',
  kind: 's3',
  directory: null,
  endpoint: 'https://s3.example.com:9000',
  region: 'us-east-1',
  bucket: 'ko-backups',
  access_key: 'AKIAEXAMPLE',
  has_secret_key: true,
  path_style: true,
  verify_tls: true,
  project_ids: [project.id, teamA.id],
});

function gateway(extra = {}) {
  return fakeApi({
    'GET /api/v1/projects': { body: page([project, teamA]) },
    'GET /api/v1/backup-accounts': { body: page([account(), sftp, s3]) },
    ...extra,
  });
}

async function openCreate(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByTestId('account-create'));
  return screen.findByRole('dialog');
}

describe('backup accounts', () => {
  test('lists each account with where it stores and the projects it is shared with', async () => {
    gateway();
    renderPage(<BackupAccountList />, { me: asAdmin() });
    expect(await screen.findByText('local-disk', {}, SLOW)).toBeTruthy();
    expect(screen.getByText('/var/backups/ko')).toBeTruthy();
    expect(screen.getByText('ko@backup.example.com:2222')).toBeTruthy();
    expect(screen.getByText('/srv/backups')).toBeTruthy();
    expect(screen.getByText('https://s3.example.com:9000')).toBeTruthy();
    expect(screen.getByText('ko-backups')).toBeTruthy();
    const s3Row = screen.getByText('nightly-s3').closest('tr') as HTMLElement;
    expect(await within(s3Row).findByText('team-a')).toBeTruthy();
    expect(within(s3Row).getByText('default')).toBeTruthy();
  });

  test('create sends only the chosen kind’s fields, with its secret and the projects', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway({ 'POST /api/v1/backup-accounts': { status: 201, body: s3 } });
    renderPage(<BackupAccountList />, { me: asAdmin() });
    const dialog = await openCreate(user);
    // A local directory typed first, then the kind changed: only S3's fields go out.
    await user.type(within(dialog).getByLabelText('Directory'), '/tmp/left-behind');
    await user.click(within(dialog).getByText('S3'));
    expect(within(dialog).queryByLabelText('Directory')).toBeNull();
    expect(within(dialog).queryByLabelText('Host')).toBeNull();
    await user.type(within(dialog).getByLabelText('Name'), 'nightly-s3');
    await user.type(within(dialog).getByLabelText('Endpoint'), 'https://s3.example.com:9000');
    await user.type(within(dialog).getByLabelText('Bucket'), 'ko-backups');
    await user.type(within(dialog).getByLabelText('Access key'), 'AKIAEXAMPLE');
    await user.type(within(dialog).getByLabelText('Secret key'), 's3-secret-value');
    await user.click(within(dialog).getByLabelText('Shared with'));
    await user.click(await screen.findByTitle('team-a'));
    await user.click(screen.getByTestId('account-submit'));

    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true), SLOW);
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      name: 'nightly-s3',
      description: '',
      kind: 's3',
      project_ids: [teamA.id],
      endpoint: 'https://s3.example.com:9000',
      bucket: 'ko-backups',
      access_key: 'AKIAEXAMPLE',
      secret_key: 's3-secret-value',
      path_style: true,
      verify_tls: true,
    });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull(), SLOW);
  });

  test('the probe’s refusal lands under the field it names', async () => {
    const user = userEvent.setup({ delay: null });
    gateway({
      'POST /api/v1/backup-accounts': {
        status: 422,
        body: {
          error: 'validation_error',
          detail: 'host_key: the server presented another host key (SHA256:other)',
          field: 'host_key',
          fields: [{ field: 'host_key', message: 'the server presented another host key (SHA256:other)' }],
        },
      },
    });
    renderPage(<BackupAccountList />, { me: asAdmin() });
    const dialog = await openCreate(user);
    await user.click(within(dialog).getByText('SFTP'));
    await user.type(within(dialog).getByLabelText('Name'), 'offsite');
    await user.type(within(dialog).getByLabelText('Host'), 'backup.example.com');
    await user.type(within(dialog).getByLabelText('Username'), 'ko');
    await user.type(within(dialog).getByLabelText('Password', { selector: 'input[type=password]' }), 'sftp-pass');
    await user.type(within(dialog).getByLabelText('Directory'), '/srv/backups');
    await user.type(within(dialog).getByLabelText('Host key'), 'ssh-ed25519 AAAAC3Nza');
    expect(within(dialog).getByText(/ssh-keyscan -t ed25519/)).toBeTruthy();
    await user.click(screen.getByTestId('account-submit'));
    const item = within(dialog).getByLabelText('Host key').closest('.ant-form-item') as HTMLElement;
    expect(await within(item).findByText(/presented another host key/, {}, SLOW)).toBeTruthy();
    expect(screen.queryByTestId('form-error')).toBeNull();
  });

  test('editing never shows a secret, and sends only what changed', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway({ 'PATCH /api/v1/backup-accounts/a-s3': { body: s3 } });
    renderPage(<BackupAccountList />, { me: asAdmin() });
    await screen.findByText('nightly-s3', {}, SLOW);
    const row = screen.getByText('nightly-s3').closest('tr') as HTMLElement;
    await user.click(within(row).getByRole('button', { name: 'Edit' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByLabelText<HTMLInputElement>('Secret key').value).toBe('');
    expect(within(dialog).getByText('Unchanged unless you type a new one.')).toBeTruthy();
    expect(within(dialog).getByLabelText<HTMLInputElement>('Bucket').value).toBe('ko-backups');
    await user.type(within(dialog).getByLabelText('Description'), 'nightly');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true), SLOW);
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ description: 'nightly' });
  });

  test('Test shows the duration, or the error with the field to fix', async () => {
    const user = userEvent.setup({ delay: null });
    gateway({
      'POST /api/v1/backup-accounts/a-local/test': { body: { ok: true, detail: 'Wrote, read back and deleted a probe object.', duration_ms: 12.4 } },
      'POST /api/v1/backup-accounts/a-sftp/test': {
        status: 422,
        body: { error: 'validation_error', detail: 'password: the server refused the login', field: 'password', fields: [{ field: 'password', message: 'the server refused the login' }] },
      },
    });
    renderPage(<BackupAccountList />, { me: asAdmin() });
    await user.click(await screen.findByTestId('account-test-local-disk', {}, SLOW));
    const ok = await screen.findByTestId('account-test-result', {}, SLOW);
    expect(within(ok).getByText(/local-disk: Wrote, read back and deleted a probe object. \(12 ms\)/)).toBeTruthy();
    await user.click(screen.getByTestId('account-test-offsite-sftp'));
    await waitFor(() => expect(screen.getByTestId('account-test-result').textContent).toMatch(/the server refused the login/), SLOW);
    expect(screen.getByTestId('account-test-result').textContent).toMatch(/Field to fix: password/);
  });

  test('delete asks first', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway({ 'DELETE /api/v1/backup-accounts/a-local': { status: 204 } });
    renderPage(<BackupAccountList />, { me: asAdmin() });
    await screen.findByText('local-disk', {}, SLOW);
    const row = screen.getByText('local-disk').closest('tr') as HTMLElement;
    await user.click(within(row).getByRole('button', { name: 'Delete' }));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    await user.click(await popconfirmButton('Delete'));
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.path.endsWith('/a-local'))).toBe(true), SLOW);
  });
});
