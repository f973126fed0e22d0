import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { fakeApi, page } from '../../test/api';
import { asManager, asReader, ipPool, project, region, zone } from '../../test/fixtures';
import { renderPage } from '../../test/render';

const SLOW = { timeout: 10_000 };
import ZoneList from './List';

const osRegion = region({ id: 'r-2', name: 'os1', provider: 'openstack' });
const osZone = zone({
  id: 'z-2',
  name: 'zone-os',
  region_id: 'r-2',
  provider: 'openstack',
  provider_settings: { availability_zone: 'nova', network: 'private', image: 'debian-12' },
});

function gateway(extra = {}) {
  return fakeApi({
    'GET /api/v1/projects': { body: page([project]) },
    'GET /api/v1/zones': { body: page([zone(), osZone]) },
    'GET /api/v1/regions': { body: page([region(), osRegion]) },
    'GET /api/v1/ip-pools': { body: page([ipPool()]) },
    ...extra,
  });
}

test('each zone shows the settings of its provider; a read-only member gets no actions', async () => {
  gateway();
  renderPage(<ZoneList />, { me: asReader() });
  expect(await screen.findByText('zone-a', {}, SLOW)).toBeTruthy();
  expect(screen.getByText('Datastore')).toBeTruthy();
  expect(screen.getByText('Availability zone')).toBeTruthy();
  expect(await screen.findAllByText('pool-a (192.0.2.0/24)')).toHaveLength(2);
  expect(screen.queryByTestId('zone-create')).toBeNull();
  expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
  expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
});

test('the form asks for the region provider\'s settings, and provider_settings.datastore errors land on Datastore', async () => {
  const user = userEvent.setup({ delay: null });
  const { calls } = gateway({
    'PATCH /api/v1/zones/z-1': {
      status: 422,
      body: {
        error: 'invalid_input',
        detail: 'provider_settings.datastore: no datastore ds9 in Datacenter.',
        field: 'provider_settings.datastore',
      },
    },
  });
  renderPage(<ZoneList />, { me: asManager() });
  await screen.findByText('zone-os', {}, SLOW);
  await user.click(screen.getAllByRole('button', { name: 'Edit' })[1]);
  let dialog = await screen.findByRole('dialog');
  expect(await within(dialog).findByLabelText(/Availability zone/)).toBeTruthy();
  expect(within(dialog).getByLabelText(/Image/)).toBeTruthy();
  expect(within(dialog).queryByLabelText(/Datastore/)).toBeNull();
  await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
  await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

  await user.click(screen.getAllByRole('button', { name: 'Edit' })[0]);
  dialog = await screen.findByRole('dialog');
  const datastore = await within(dialog).findByLabelText(/Datastore/);
  expect(within(dialog).queryByLabelText(/Availability zone/)).toBeNull();
  await user.clear(datastore);
  await user.type(datastore, 'ds9');
  await user.click(screen.getByTestId('zone-submit'));
  await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
  const body = calls.find((c) => c.method === 'PATCH')?.body as { provider_settings: Record<string, string> };
  expect(body.provider_settings).toEqual({ cluster: 'Cluster1', datastore: 'ds9', template: 'debian-12', network: 'VM Network' });
  const item = datastore.closest('.ant-form-item') as HTMLElement;
  expect(await within(item).findByText(/no datastore ds9/)).toBeTruthy();
  expect(screen.queryByTestId('form-error')).toBeNull();
});
