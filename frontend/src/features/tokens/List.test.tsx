import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { fakeApi, page } from '../../test/api';
import { asManager } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import TokenList from './List';

const token = {
  id: 't-1',
  user_id: 'u-1',
  name: 'ci',
  prefix: 'kot_abcd',
  created_at: '2026-01-01T00:00:00Z',
  expires_at: null,
  last_used_at: null,
  revoked_at: null,
};

test('a new token is shown once, then only its prefix', async () => {
  const user = userEvent.setup({ delay: null });
  let created = false;
  const { calls } = fakeApi({
    'GET /api/v1/auth/tokens': () => ({ body: page(created ? [token] : []) }),
    'POST /api/v1/auth/tokens': () => {
      created = true;
      return { status: 201, body: { ...token, token: 'kot_abcd_the-whole-secret' } };
    },
  });
  renderPage(<TokenList />, { me: asManager() });
  expect(await screen.findByText(/No tokens/)).toBeTruthy();
  await user.click(screen.getByTestId('token-create'));
  const dialog = await screen.findByRole('dialog');
  await user.type(within(dialog).getByLabelText('Name'), 'ci');
  await user.click(within(dialog).getByRole('button', { name: 'Create' }));
  expect((await screen.findByTestId('token-value')).textContent).toContain('kot_abcd_the-whole-secret');
  expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'ci', expires_in_days: null });
  await user.click(screen.getByRole('button', { name: 'I have copied it' }));
  await waitFor(() => expect(screen.queryByTestId('token-value')).toBeNull());
  expect(await screen.findByText('kot_abcd…')).toBeTruthy();
  expect(document.body.textContent).not.toContain('the-whole-secret');
});
