import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { fakeApi, page } from '../../test/api';
import { asAdmin, asReader, offlinePackage } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import { ImportPackage } from './ImportPackage';
import PackageList from './List';

const SLOW = { timeout: 10_000 };
const importing = offlinePackage({ id: 'pkg-2', kubernetes_version: '1.37.0', status: 'importing', imported_at: null });

function importGateway(final: ReturnType<typeof offlinePackage>) {
  let polls = 0;
  return fakeApi({
    'POST /api/v1/offline-packages': { status: 202, body: importing },
    // Importing for two looks, then the final state.
    'GET /api/v1/offline-packages/pkg-2': () => ({ body: polls++ < 2 ? importing : final }),
    'GET /api/v1/offline-packages': { body: page([]) },
    'GET /api/v1/versions': { body: { items: [] } },
  });
}

async function startImport(user: ReturnType<typeof userEvent.setup>) {
  renderPage(<ImportPackage onClose={() => {}} pollMs={30} />, { me: asAdmin() });
  const dialog = await screen.findByRole('dialog', {}, SLOW);
  await user.type(within(dialog).getByLabelText('Path on the KubeOperator server'), '/srv/1.37.0-amd64.tar.gz');
  await user.click(screen.getByTestId('package-submit'));
  expect(await screen.findByTestId('import-progress', {}, SLOW)).toBeTruthy();
  expect(screen.getByText('Importing Kubernetes 1.37.0 (amd64)…')).toBeTruthy();
}

test('import progress: importing, then ready', async () => {
  const user = userEvent.setup({ delay: null });
  const { calls } = importGateway({ ...importing, status: 'ready' });
  await startImport(user);
  expect(await screen.findByTestId('import-ready', {}, SLOW)).toBeTruthy();
  expect(screen.getByText('Kubernetes 1.37.0 (amd64) is ready and can be deployed.')).toBeTruthy();
  expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ source: '/srv/1.37.0-amd64.tar.gz', replace: false });
});

test('import progress: importing, then failed with each bad artifact named', async () => {
  const user = userEvent.setup({ delay: null });
  const error = 'bin/kubeadm: sha256 is abc, the manifest says def: rebuild the package.';
  importGateway({ ...importing, status: 'failed', error });
  await startImport(user);
  const failed = await screen.findByTestId('import-failed', {}, SLOW);
  expect(within(failed).getByText(error)).toBeTruthy();
});

test('a refused import shows the API sentence on the path field', async () => {
  const user = userEvent.setup({ delay: null });
  fakeApi({
    'POST /api/v1/offline-packages': {
      status: 422,
      body: { error: 'invalid_input', detail: '/srv/nope: no such file or directory on the server.', field: 'source' },
    },
  });
  renderPage(<ImportPackage onClose={() => {}} />, { me: asAdmin() });
  const dialog = await screen.findByRole('dialog', {}, SLOW);
  const source = within(dialog).getByLabelText('Path on the KubeOperator server');
  await user.type(source, '/srv/nope');
  await user.click(screen.getByTestId('package-submit'));
  const item = source.closest('.ant-form-item') as HTMLElement;
  expect(await within(item).findByText(/no such file or directory/, {}, SLOW)).toBeTruthy();
});

test('everyone reads the list; only admins import or delete; the empty state says who imports', async () => {
  fakeApi({ 'GET /api/v1/offline-packages': { body: page([offlinePackage()]) }, 'GET /api/v1/versions': { body: { items: [] } } });
  const { unmount } = renderPage(<PackageList />, { me: asReader() });
  expect(await screen.findByText('1.36.0', {}, SLOW)).toBeTruthy();
  expect(screen.getByText('3 MiB')).toBeTruthy();
  expect(screen.queryByTestId('package-import')).toBeNull();
  expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
  unmount();

  fakeApi({ 'GET /api/v1/offline-packages': { body: page([]) }, 'GET /api/v1/versions': { body: { items: [] } } });
  renderPage(<PackageList />, { me: asAdmin() });
  expect(await screen.findByText(/No offline package yet. Import one/, {}, SLOW)).toBeTruthy();
  expect(screen.getByTestId('package-import')).toBeTruthy();
});
