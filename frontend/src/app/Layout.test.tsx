import { render, screen, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { expect, test } from 'vitest';
import { fakeApi, page } from '../test/api';
import { asAdmin, asReader, project } from '../test/fixtures';
import { renderPage, testQueryClient } from '../test/render';
import { meKey } from './auth';
import { AppLayout } from './Layout';
import { Providers } from './Providers';
import { routes } from './routes';

const SLOW = { timeout: 15000 };

test('only admins get the backup accounts entry; every member gets notification channels', async () => {
  fakeApi({ 'GET /api/v1/projects': { body: page([project]) } });
  const { unmount } = renderPage(<AppLayout />, { me: asReader() });
  const menu = await screen.findByTestId('side-menu', {}, SLOW);
  expect(within(menu).getByRole('link', { name: 'Notification channels' }).getAttribute('href')).toBe('/project/notification-channels');
  expect(within(menu).queryByRole('link', { name: 'Backup accounts' })).toBeNull();
  unmount();

  renderPage(<AppLayout />, { me: asAdmin() });
  const adminMenu = await screen.findByTestId('side-menu', {}, SLOW);
  expect(within(adminMenu).getByRole('link', { name: 'Backup accounts' }).getAttribute('href')).toBe('/admin/backup-accounts');
});

test('the backup accounts page itself refuses a non-admin', async () => {
  fakeApi({ 'GET /api/v1/projects': { body: page([project]) }, 'GET /api/v1/backup-accounts': { body: page([]) } });
  const queryClient = testQueryClient();
  queryClient.setQueryData(meKey, asReader());
  render(
    <Providers queryClient={queryClient}>
      <RouterProvider router={createMemoryRouter(routes, { initialEntries: ['/admin/backup-accounts'] })} />
    </Providers>,
  );
  expect(await screen.findByText('Administrators only', {}, SLOW)).toBeTruthy();
});
