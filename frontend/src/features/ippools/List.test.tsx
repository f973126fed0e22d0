import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { expect, test } from 'vitest';
import { fakeApi, page } from '../../test/api';
import { asManager, asReader, ipPool, project } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import IpPoolList from './List';

const SLOW = { timeout: 10_000 };
const addresses = [
  { ip: '192.0.2.10', status: 'allocated', owner: 'cluster-a', allocated_at: '2026-01-02T00:00:00Z', checked_at: null, updated_at: '2026-01-02T00:00:00Z' },
];

function gateway(extra = {}) {
  return fakeApi({
    'GET /api/v1/projects': { body: page([project]) },
    'GET /api/v1/ip-pools': { body: page([ipPool()]) },
    'GET /api/v1/ip-pools/pool-1/addresses': { body: page(addresses) },
    ...extra,
  });
}

test('a read-only member sees the counts and the addresses, but cannot allocate, release, edit or delete', async () => {
  const user = userEvent.setup({ delay: null });
  const { calls } = gateway();
  renderPage(<IpPoolList />, { me: asReader() });
  expect(await screen.findByText('192.0.2.0/24', {}, SLOW)).toBeTruthy();
  expect(screen.getAllByText('2 allocated · 1 in use · 17 free of 20').length).toBeGreaterThan(0);
  expect(screen.queryByTestId('pool-create')).toBeNull();
  expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
  expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
  await user.click(screen.getByTestId('pool-open-pool-a'));
  const drawer = await screen.findByTestId('pool-addresses');
  expect(await within(drawer).findByText('cluster-a', {}, SLOW)).toBeTruthy();
  expect(within(drawer).queryByTestId('pool-allocate')).toBeNull();
  expect(within(drawer).queryByTestId('pool-release-selected')).toBeNull();
  expect(calls.some((c) => c.path === '/api/v1/ip-pools/pool-1/addresses')).toBe(true);
});

test('a range error lands on that range, an overlapping subnet on the subnet', async () => {
  const user = userEvent.setup({ delay: null });
  let answer = 0;
  gateway({
    'PATCH /api/v1/ip-pools/pool-1': () =>
      answer++ === 0
        ? {
            status: 422,
            body: {
              error: 'validation_error',
              detail: 'ranges[1].start: outside the subnet',
              fields: [{ field: 'body.ranges[1].start', message: '198.51.100.1 is outside 192.0.2.0/24.' }],
            },
          }
        : { status: 409, body: { error: 'conflict', detail: 'Subnet 192.0.2.0/24 overlaps pool pool-b (192.0.2.0/25).', field: 'subnet' } },
  });
  renderPage(<IpPoolList />, { me: asManager() });
  await screen.findByText('192.0.2.0/24', {}, SLOW);
  await user.click(screen.getByRole('button', { name: 'Edit' }));
  const dialog = await screen.findByRole('dialog');
  const secondStart = within(dialog).getByLabelText('First address 2');
  await user.click(screen.getByTestId('pool-submit'));
  const rangeItem = secondStart.closest('.ant-form-item') as HTMLElement;
  expect(await within(rangeItem).findByText(/outside 192.0.2.0\/24/, {}, SLOW)).toBeTruthy();
  const firstItem = within(dialog).getByLabelText('First address 1').closest('.ant-form-item') as HTMLElement;
  expect(within(firstItem).queryByText(/outside/)).toBeNull();

  await user.click(screen.getByTestId('pool-submit'));
  const subnetItem = within(dialog).getByLabelText('Subnet').closest('.ant-form-item') as HTMLElement;
  expect(await within(subnetItem).findByText(/overlaps pool pool-b/, {}, SLOW)).toBeTruthy();
  expect(screen.queryByTestId('form-error')).toBeNull();
});

test('the addresses table filters by status, and a writer can release the selected ones', async () => {
  const user = userEvent.setup({ delay: null });
  const { calls } = gateway({ 'POST /api/v1/ip-pools/pool-1/releases': { body: { pool_id: 'pool-1', addresses: ['192.0.2.10'] } } });
  renderPage(<IpPoolList />, { me: asManager() });
  await user.click(await screen.findByTestId('pool-open-pool-a', {}, SLOW));
  const drawer = await screen.findByTestId('pool-addresses');
  await within(drawer).findByText('cluster-a', {}, SLOW);
  await user.click(within(drawer).getByRole('combobox'));
  await user.click(await screen.findByText('Allocated (2)'));
  await waitFor(() => expect(calls.some((c) => c.path.endsWith('/addresses') && c.search.get('status') === 'allocated')).toBe(true), SLOW);
  // The filtered rows replace the first ones: select only once they are there, and only click an enabled button.
  await within(drawer).findByText('cluster-a', {}, SLOW);
  await user.click(within(drawer).getAllByRole('checkbox')[1]);
  const release = within(drawer).getByTestId<HTMLButtonElement>('pool-release-selected');
  await waitFor(() => expect(release.disabled).toBe(false), SLOW);
  await user.click(release);
  const pop = await waitFor(() => {
    const el = document.querySelector<HTMLElement>('.ant-popconfirm');
    if (!el) throw new Error('no popconfirm');
    return el;
  }, SLOW);
  await user.click(within(pop).getByRole('button', { name: 'Release' }));
  await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true), SLOW);
  expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ addresses: ['192.0.2.10'] });
});
