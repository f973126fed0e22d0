import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { meKey } from '../../app/auth';
import { fakeApi } from '../../test/api';
import { asAdmin } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import Login from './Login';

test('a refused login shows the server sentence', async () => {
  const user = userEvent.setup({ delay: null });
  fakeApi({ 'POST /api/v1/auth/login': { status: 401, body: { error: 'unauthorized', detail: 'Wrong username or password.' } } });
  renderPage(<Login />, { me: null, route: '/login', path: '/login' });
  await user.type(screen.getByLabelText('Username'), 'admin');
  await user.type(screen.getByLabelText('Password'), 'nope');
  await user.click(screen.getByTestId('login-submit'));
  expect(await screen.findByText('Wrong username or password.')).toBeTruthy();
});

test('a successful login stores the user', async () => {
  const user = userEvent.setup({ delay: null });
  const { calls } = fakeApi({
    'POST /api/v1/auth/login': { body: { user: asAdmin(), csrf_token: 'csrf_x', expires_at: '2030-01-01T00:00:00Z' } },
  });
  const { queryClient } = renderPage(<Login />, { me: null, route: '/login', path: '/login' });
  await user.type(screen.getByLabelText('Username'), 'admin');
  await user.type(screen.getByLabelText('Password'), 'secret-pass');
  await user.click(screen.getByTestId('login-submit'));
  await waitFor(() => expect(queryClient.getQueryData(meKey)).toMatchObject({ username: 'admin' }));
  expect(calls[0].body).toEqual({ username: 'admin', password: 'secret-pass' });
});

test('the login page is in Chinese when the language is Chinese', async () => {
  const { default: i18n } = await import('../../i18n');
  await i18n.changeLanguage('zh-CN');
  renderPage(<Login />, { me: null, route: '/login', path: '/login' });
  expect(screen.getByLabelText('用户名')).toBeTruthy();
  expect(screen.getByTestId('login-submit').textContent?.replace(/\s/g, '')).toBe('登录');
});
