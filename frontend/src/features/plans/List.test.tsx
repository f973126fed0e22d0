import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { fakeApi, page } from '../../test/api';
import { asManager, asReader, plan, project, region, zone } from '../../test/fixtures';
import { renderPage } from '../../test/render';

const SLOW = { timeout: 10_000 };
import PlanList from './List';
import { placeVms } from './placement';

const zones = [zone(), zone({ id: 'z-2', name: 'zone-b' }), zone({ id: 'z-3', name: 'zone-c' })];

function gateway(extra = {}) {
  return fakeApi({
    'GET /api/v1/projects': { body: page([project]) },
    'GET /api/v1/plans': { body: page([plan()]) },
    'GET /api/v1/regions': { body: page([region()]) },
    'GET /api/v1/zones': { body: page(zones) },
    ...extra,
  });
}

test('round-robin placement as the API does it', () => {
  expect(placeVms(['a', 'b', 'c'], 3)).toEqual(['a', 'b', 'c']);
  expect(placeVms(['a', 'b'], 3)).toEqual(['a', 'b', 'a']);
  expect(placeVms([], 2)).toEqual([]);
});

test('each master is shown with its zone; a read-only member gets no actions', async () => {
  gateway();
  renderPage(<PlanList />, { me: asReader() });
  expect(await screen.findByText('prod-ha', {}, SLOW)).toBeTruthy();
  const placement = screen.getByTestId('plan-placement');
  expect(await within(placement).findByText('master-1 → zone-a')).toBeTruthy();
  expect(within(placement).getByText('master-2 → zone-b')).toBeTruthy();
  expect(within(placement).getByText('master-3 → zone-c')).toBeTruthy();
  expect(within(placement).getByText('zone-a × 1')).toBeTruthy();
  expect(screen.queryByTestId('plan-create')).toBeNull();
  expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
});

test('vSphere sizes in the form, and a zone_ids[0] error lands on the Zones field', async () => {
  const user = userEvent.setup({ delay: null });
  const { calls } = gateway({
    'PATCH /api/v1/plans/pl-1': {
      status: 422,
      body: { error: 'invalid_input', detail: 'zone_ids[0]: zone zone-a belongs to another region.', field: 'zone_ids[0]' },
    },
  });
  renderPage(<PlanList />, { me: asManager() });
  await screen.findByText('prod-ha', {}, SLOW);
  await user.click(screen.getByRole('button', { name: 'Edit' }));
  const dialog = await screen.findByRole('dialog');
  expect(await within(dialog).findAllByLabelText('CPUs')).toHaveLength(2);
  expect(within(dialog).queryByLabelText('Flavor')).toBeNull();
  await user.click(screen.getByTestId('plan-submit'));
  await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
  const body = calls.find((c) => c.method === 'PATCH')?.body as Record<string, unknown>;
  expect(body.master_size).toEqual({ cpus: 2, memory_gib: 4, disk_gib: 50 });
  expect(body.zone_ids).toEqual(['z-1', 'z-2', 'z-3']);
  const zonesItem = within(dialog).getByText('Zones').closest('.ant-form-item') as HTMLElement;
  expect(await within(zonesItem).findByText(/belongs to another region/)).toBeTruthy();
  expect(screen.queryByTestId('form-error')).toBeNull();
});
