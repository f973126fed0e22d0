import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { fakeApi, page } from '../../test/api';
import { asManager, asReader, credential, project, PROJECT_ID } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import CredentialList from './List';

const keyCredential = credential({
  id: 'c-2',
  name: 'deploy-key',
  auth_type: 'private_key',
  has_password: false,
  has_private_key: true,
  has_passphrase: true,
  key_fingerprint: 'SHA256:abcdef',
});

function gateway(extra = {}) {
  return fakeApi({
    'GET /api/v1/projects': { body: page([project]) },
    'GET /api/v1/credentials': { body: page([credential(), keyCredential]) },
    ...extra,
  });
}

describe('credentials list', () => {
  test('a read-only member sees the credentials but no create, edit or delete', async () => {
    gateway();
    renderPage(<CredentialList />, { me: asReader() });
    expect(await screen.findByText('root-key')).toBeTruthy();
    expect(screen.getByText('Password stored')).toBeTruthy();
    expect(screen.getByText('SHA256:abcdef')).toBeTruthy();
    expect(screen.queryByTestId('credential-create')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
  });

  test('a project manager can create, edit and delete', async () => {
    gateway();
    renderPage(<CredentialList />, { me: asManager() });
    expect(await screen.findByText('root-key')).toBeTruthy();
    expect(screen.getByTestId('credential-create')).toBeTruthy();
    expect(screen.getAllByRole('button', { name: 'Edit' })).toHaveLength(2);
    expect(screen.getAllByRole('button', { name: 'Delete' })).toHaveLength(2);
  });

  test('lists the selected project only', async () => {
    const { calls } = gateway();
    renderPage(<CredentialList />, { me: asReader() });
    await screen.findByText('root-key');
    const list = calls.find((c) => c.path === '/api/v1/credentials');
    expect(list?.search.get('project_id')).toBe(PROJECT_ID);
  });

  test('an empty project tells the writer what to do next', async () => {
    fakeApi({ 'GET /api/v1/projects': { body: page([project]) }, 'GET /api/v1/credentials': { body: page([]) } });
    renderPage(<CredentialList />, { me: asManager() });
    expect(await screen.findByText(/No credentials yet/)).toBeTruthy();
  });

  test('create sends the secret once, and the API validation error lands on its field', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway({
      'POST /api/v1/credentials': {
        status: 422,
        body: {
          error: 'validation_error',
          detail: "name: use 1 to 64 letters, digits, '.', '_' or '-'",
          fields: [{ field: 'name', message: "use 1 to 64 letters, digits, '.', '_' or '-'" }],
        },
      },
    });
    renderPage(<CredentialList />, { me: asManager() });
    await user.click(await screen.findByTestId('credential-create'));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText('Name'), 'bad name');
    await user.type(within(dialog).getByLabelText('Password', { selector: 'input[type=password]' }), 'hunter2-secret');
    await user.click(screen.getByTestId('credential-submit'));

    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const post = calls.find((c) => c.method === 'POST');
    expect(post?.body).toMatchObject({ project_id: PROJECT_ID, name: 'bad name', auth_type: 'password', password: 'hunter2-secret', username: 'root' });
    // The message sits under the Name field (antd's explain for that item), not in a generic alert.
    const nameItem = within(dialog).getByLabelText('Name').closest('.ant-form-item') as HTMLElement;
    expect(await within(nameItem).findByText(/use 1 to 64 letters/)).toBeTruthy();
    expect(screen.queryByTestId('form-error')).toBeNull();
  });

  test('editing never shows the stored secret, and an empty secret keeps it', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway({ 'PATCH /api/v1/credentials/c-1': { body: credential({ description: 'changed' }) } });
    renderPage(<CredentialList />, { me: asManager() });
    await screen.findByText('root-key');
    await user.click(screen.getAllByRole('button', { name: 'Edit' })[0]);
    const dialog = await screen.findByRole('dialog');
    const password = within(dialog).getByLabelText('Password', { selector: 'input[type=password]' });
    expect((password as HTMLInputElement).value).toBe('');
    expect(within(dialog).getByText('Leave empty to keep the stored secret.')).toBeTruthy();
    await user.clear(within(dialog).getByLabelText('Description'));
    await user.type(within(dialog).getByLabelText('Description'), 'changed');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    const patch = calls.find((c) => c.method === 'PATCH')?.body as Record<string, unknown>;
    expect(patch.description).toBe('changed');
    expect('password' in patch).toBe(false);
  });
});

test('a user in no project is told how to get one', async () => {
  fakeApi({ 'GET /api/v1/projects': { body: page([]) } });
  renderPage(<CredentialList />, { me: asReader() });
  expect(await screen.findByText(/not a member of any project/)).toBeTruthy();
});
