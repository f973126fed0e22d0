import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { fakeApi, page } from '../../test/api';
import { asManager, asReader, project, PROJECT_ID, region } from '../../test/fixtures';
import { popconfirmButton } from '../../test/popconfirm';
import { renderPage } from '../../test/render';

const SLOW = { timeout: 10_000 };
import RegionList from './List';

const openstack = region({ id: 'r-2', name: 'os1', provider: 'openstack', endpoint: 'https://keystone:5000/v3', datacenter: 'RegionOne', project_name: 'k8s', domain_name: 'Default' });

function gateway(extra = {}) {
  return fakeApi({
    'GET /api/v1/projects': { body: page([project]) },
    'GET /api/v1/regions': { body: page([region(), openstack]) },
    ...extra,
  });
}

test('a read-only member sees the regions, never a password, and no create, edit or delete', async () => {
  gateway();
  renderPage(<RegionList />, { me: asReader() });
  expect(await screen.findByText('dc1', {}, SLOW)).toBeTruthy();
  expect(screen.getAllByText('Password stored')).toHaveLength(2);
  expect(screen.queryByTestId('region-create')).toBeNull();
  expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
  expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
});

test('the fields follow the provider: OpenStack asks for project and domain, vSphere sends neither', async () => {
  const user = userEvent.setup({ delay: null });
  const { calls } = gateway({ 'POST /api/v1/regions': { status: 201, body: region() } });
  renderPage(<RegionList />, { me: asManager() });
  await user.click(await screen.findByTestId('region-create'));
  const dialog = await screen.findByRole('dialog');
  expect(within(dialog).getByLabelText('vCenter URL')).toBeTruthy();
  expect(within(dialog).getByLabelText('Datacenter')).toBeTruthy();
  expect(within(dialog).queryByLabelText('Project (tenant)')).toBeNull();

  await user.click(within(dialog).getByText('OpenStack'));
  expect(await within(dialog).findByLabelText('Keystone auth URL')).toBeTruthy();
  expect(within(dialog).getByLabelText('Region name')).toBeTruthy();
  expect(within(dialog).getByLabelText('Project (tenant)')).toBeTruthy();
  expect(within(dialog).getByLabelText('Domain')).toBeTruthy();

  await user.click(within(dialog).getByText('VMware vSphere'));
  await user.type(within(dialog).getByLabelText('Name'), 'dc2');
  await user.type(within(dialog).getByLabelText('vCenter URL'), 'https://vc2');
  await user.type(within(dialog).getByLabelText('Datacenter'), 'DC');
  await user.type(within(dialog).getByLabelText('API user'), 'admin');
  await user.type(within(dialog).getByLabelText('API password'), 's3cret');
  await user.click(screen.getByTestId('region-submit'));
  await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
  const body = calls.find((c) => c.method === 'POST')?.body as Record<string, unknown>;
  expect(body).toMatchObject({ project_id: PROJECT_ID, provider: 'vsphere', name: 'dc2', password: 's3cret' });
  expect('project_name' in body).toBe(false);
});

test('a region still in use is refused with the API sentence naming what holds it', async () => {
  const user = userEvent.setup({ delay: null });
  gateway({
    'DELETE /api/v1/regions/r-1': {
      status: 409,
      body: { error: 'conflict', detail: 'Region dc1 is used by zone zone-a and plan prod-ha: delete them first.' },
    },
  });
  renderPage(<RegionList />, { me: asManager() });
  await screen.findByText('dc1', {}, SLOW);
  await user.click(screen.getAllByRole('button', { name: 'Delete' })[0]);
  await user.click(await popconfirmButton('Delete'));
  expect((await screen.findAllByText('dc1 cannot be deleted', {}, SLOW)).length).toBeGreaterThan(0);
  expect(screen.getAllByText(/used by zone zone-a and plan prod-ha/).length).toBeGreaterThan(0);
});
