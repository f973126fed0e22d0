import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { fakeApi, page } from '../../test/api';
import { asAdmin, asManager, asReader, credential, host, project, PROJECT_ID } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import HostList from './List';

const unreachable = host({
  id: 'h-2',
  name: 'worker-1',
  ip: '10.213.0.12',
  status: 'unreachable',
  status_message: 'Cannot connect to 10.213.0.12:22 (Connection refused).',
  cluster_id: 'k-1',
  facts: {
    os: { id: 'fedora', name: 'Fedora Linux 40', family: 'rhel', supported: false, unsupported_reason: 'Fedora Linux 40 is not supported; supported: debian, ubuntu.' },
    cpus: 2,
    memory_bytes: 2 * 1024 ** 3,
    swap_on: true,
    swap_bytes: 1024 ** 3,
    ports_in_use: [{ protocol: 'tcp', port: 6443, purpose: 'kube-apiserver' }],
    time_offset_ms: 4200,
  },
});

function gateway(extra = {}, hosts = [host(), unreachable]) {
  return fakeApi({
    'GET /api/v1/projects': { body: page([project]) },
    'GET /api/v1/credentials': { body: page([credential()]) },
    'GET /api/v1/hosts': { body: page(hosts) },
    ...extra,
  });
}

describe('hosts list', () => {
  test('lists the project’s hosts with status, OS, CPU and memory, address and cluster', async () => {
    const { calls } = gateway();
    renderPage(<HostList />, { me: asReader() });
    const table = await screen.findByTestId('host-table');
    const row = (await within(table).findByText('master-1')).closest('tr') as HTMLElement;
    expect(within(row).getByText('Ready')).toBeTruthy();
    expect(within(row).getByText('Debian GNU/Linux 12 (bookworm)')).toBeTruthy();
    expect(within(row).getByText('4 CPU · 8 GiB')).toBeTruthy();
    expect(within(row).getByText('10.213.0.11:22')).toBeTruthy();
    const other = within(table).getByText('worker-1').closest('tr') as HTMLElement;
    expect(within(other).getByText('Unreachable').closest('[data-status]')?.getAttribute('data-status')).toBe('unreachable');
    expect(within(other).getByText('Not supported')).toBeTruthy();
    expect(within(other).getByText('k-1')).toBeTruthy();
    expect(calls.find((c) => c.path === '/api/v1/hosts')?.search.get('project_id')).toBe(PROJECT_ID);
  });

  test('a read-only member sees the hosts but no add, import, check, edit or delete', async () => {
    gateway();
    renderPage(<HostList />, { me: asReader() });
    await screen.findByText('master-1');
    expect(screen.queryByTestId('host-create')).toBeNull();
    expect(screen.queryByTestId('host-import')).toBeNull();
    expect(screen.queryByTestId('host-check-all')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Check' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Remove' })).toBeNull();
    expect(screen.queryAllByRole('checkbox')).toHaveLength(0);
  });

  test('a project manager gets the actions; a host in a cluster cannot be removed', async () => {
    gateway();
    renderPage(<HostList />, { me: asManager() });
    await screen.findByText('master-1');
    expect(screen.getByTestId('host-create')).toBeTruthy();
    expect(screen.getAllByRole('button', { name: 'Check' })).toHaveLength(2);
    const removes = screen.getAllByRole<HTMLButtonElement>('button', { name: 'Remove' });
    expect(removes.map((b) => b.disabled)).toEqual([false, true]);
    // Only administrators accept host keys.
    expect(screen.queryByTestId('host-accept-key')).toBeNull();
  });

  test('filters go to the API', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway();
    renderPage(<HostList />, { me: asReader() });
    await screen.findByText('master-1');
    await user.type(within(screen.getByTestId('host-search')).getByRole('searchbox'), '10.213{Enter}');
    await waitFor(() => expect(calls.some((c) => c.path === '/api/v1/hosts' && c.search.get('q') === '10.213')).toBe(true));
  });

  test('no hosts and no credential: the writer is sent to create a credential first', async () => {
    fakeApi({
      'GET /api/v1/projects': { body: page([project]) },
      'GET /api/v1/credentials': { body: page([]) },
      'GET /api/v1/hosts': { body: page([]) },
    });
    renderPage(<HostList />, { me: asManager() });
    expect(await screen.findByText(/create a credential first/)).toBeTruthy();
    expect(screen.getByRole('link', { name: /Create a credential/ }).getAttribute('href')).toBe('/inventory/credentials');
  });

  test('a refused registration lands on the field the API named', async () => {
    const user = userEvent.setup({ delay: null });
    const detail = 'Nothing listens on 127.0.0.1:2222 (connection refused): check the SSH port.';
    const { calls } = gateway({
      'POST /api/v1/hosts': { status: 422, body: { error: 'validation_error', detail, field: 'port', fields: [{ field: 'port', message: detail }] } },
    });
    renderPage(<HostList />, { me: asManager() });
    await user.click(await screen.findByTestId('host-create'));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText('Name'), 'node-9');
    await user.type(within(dialog).getByLabelText('IP address'), '127.0.0.1');
    const port = within(dialog).getByLabelText('SSH port');
    await user.clear(port);
    await user.type(port, '2222');
    await user.click(within(dialog).getByLabelText('Credential'));
    await user.click(await screen.findByText('root-key (root)'));
    await user.click(screen.getByTestId('host-submit'));

    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ project_id: PROJECT_ID, name: 'node-9', ip: '127.0.0.1', port: 2222, credential_id: 'c-1' });
    const portItem = port.closest('.ant-form-item') as HTMLElement;
    expect(await within(portItem).findByText(detail)).toBeTruthy();
    expect(screen.queryByTestId('form-error')).toBeNull();
  });

  test('check all shows progress, then the hosts that failed', async () => {
    const user = userEvent.setup({ delay: null });
    let release: () => void = () => {};
    const answered = new Promise<void>((resolve) => (release = resolve));
    const { calls } = gateway({
      'POST /api/v1/hosts/checks': {
        body: {
          ready: 1,
          failed: 1,
          results: [
            { host_id: 'h-1', name: 'master-1', ip: '10.213.0.11', status: 'ready', status_message: 'ok' },
            { host_id: 'h-2', name: 'worker-1', ip: '10.213.0.12', status: 'unreachable', status_message: 'Connection refused.' },
          ],
        },
      },
    });
    const slow = globalThis.fetch;
    globalThis.fetch = (async (req: Request) => {
      if (req.url.endsWith('/api/v1/hosts/checks')) await answered;
      return slow(req);
    }) as typeof fetch;
    renderPage(<HostList />, { me: asManager() });
    await screen.findByText('master-1');
    await user.click(screen.getByTestId('host-check-all'));
    expect(await screen.findByTestId('check-progress')).toBeTruthy();
    expect(screen.getByText('Checking every host of this project over SSH…')).toBeTruthy();
    release();
    const report = await screen.findByTestId('check-report');
    expect(within(report).getByText('Checked 2: 1 ready, 1 failed.')).toBeTruthy();
    expect(within(report).getByText(/Connection refused/)).toBeTruthy();
    expect(calls.find((c) => c.path === '/api/v1/hosts/checks')?.body).toEqual({ project_id: PROJECT_ID });
  });

  test('the detail drawer shows the facts: unsupported OS and why, ports taken, swap, clock offset', async () => {
    const user = userEvent.setup({ delay: null });
    gateway({ 'GET /api/v1/hosts/h-2': { body: unreachable } });
    renderPage(<HostList />, { me: asReader() });
    await user.click(await screen.findByTestId('host-open-worker-1'));
    const drawer = await screen.findByTestId('host-detail');
    expect(await within(drawer).findByText(/Fedora Linux 40 is not supported/)).toBeTruthy();
    const ports = within(drawer).getByTestId('host-ports');
    expect(within(ports).getByText('6443')).toBeTruthy();
    expect(within(ports).getByText('kube-apiserver')).toBeTruthy();
    expect(within(drawer).getByText(/On \(1 GiB\)/)).toBeTruthy();
    expect(within(drawer).getByText(/4200 ms/)).toBeTruthy();
    expect(within(drawer).getByText('root-key')).toBeTruthy();
  });

  test('a link with ?host= opens that host’s details (a cluster’s VMs link here)', async () => {
    gateway({ 'GET /api/v1/hosts/h-2': { body: unreachable } });
    renderPage(<HostList />, { me: asReader(), route: '/inventory/hosts?host=h-2' });
    const drawer = await screen.findByTestId('host-detail', {}, { timeout: 10_000 });
    expect(await within(drawer).findByText(/Fedora Linux 40 is not supported/)).toBeTruthy();
  });
});

test('check selected sends the chosen hosts and shows their progress', async () => {
  const user = userEvent.setup({ delay: null });
  const { calls } = gateway({
    'POST /api/v1/hosts/checks': {
      body: { ready: 1, failed: 0, results: [{ host_id: 'h-2', name: 'worker-1', ip: '10.213.0.12', status: 'ready', status_message: 'ok' }] },
    },
  });
  renderPage(<HostList />, { me: asManager() });
  const row = (await screen.findByText('worker-1')).closest('tr') as HTMLElement;
  await user.click(within(row).getByRole('checkbox'));
  await user.click(screen.getByTestId('host-check-selected'));
  expect(await screen.findByText('Checked 1: 1 ready, 0 failed.')).toBeTruthy();
  expect(calls.find((c) => c.path === '/api/v1/hosts/checks')?.body).toEqual({ host_ids: ['h-2'] });
});

describe('bulk import', () => {
  function upload(name: string, text: string, type: string) {
    const input = document.querySelector('.ant-modal input[type=file]') as HTMLInputElement;
    // fireEvent, not user.upload: the accept filter is the browser's job, the component checks the name itself.
    fireEvent.change(input, { target: { files: [new File([text], name, { type })] } });
  }

  test('sends the file as text/csv and shows the per-row report', async () => {
    const user = userEvent.setup({ delay: null });
    const csv = 'name,ip,port,credential\nnode-1,10.0.0.1,22,root-key\nnode-2,10.0.0.2,22,root-key\n';
    const { calls } = gateway({
      'POST /api/v1/hosts/import': {
        body: {
          registered: 1,
          failed: 1,
          rows: [
            { row: 1, name: 'node-1', ip: '10.0.0.1', status: 'registered', host_id: 'h-9', error: null, field: null },
            { row: 2, name: 'node-2', ip: '10.0.0.2', status: 'failed', error: 'Cannot connect to 10.0.0.2:22 (timed out).', field: 'ip' },
          ],
        },
      },
    });
    renderPage(<HostList />, { me: asManager() });
    await user.click(await screen.findByTestId('host-import'));
    upload('hosts.csv', csv, 'text/csv');
    await waitFor(() => expect(screen.getByTestId<HTMLButtonElement>('import-submit').disabled).toBe(false));
    await user.click(screen.getByTestId('import-submit'));

    const report = await screen.findByTestId('import-report');
    expect(within(report).getByText('1 registered, 1 failed.')).toBeTruthy();
    expect(within(report).getByText('Registered')).toBeTruthy();
    expect(within(report).getByText(/ip: Cannot connect to 10.0.0.2:22/)).toBeTruthy();
    const post = calls.find((c) => c.path === '/api/v1/hosts/import');
    expect(post?.headers.get('content-type')).toBe('text/csv');
    expect(post?.search.get('project_id')).toBe(PROJECT_ID);
    expect(post?.body).toBe(csv);
  });

  test('a refused file lists every row problem, and YAML goes as application/yaml', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway({
      'POST /api/v1/hosts/import': {
        status: 422,
        body: {
          error: 'validation_error',
          detail: 'rows[2].ip: must be an IPv4 or IPv6 address',
          field: 'rows[2].ip',
          fields: [
            { field: 'rows[2].ip', message: 'must be an IPv4 or IPv6 address, e.g. 192.168.1.10 (not a host name)' },
            { field: 'rows[3].credential', message: 'no credential nope in this project: give its name or id' },
          ],
        },
      },
    });
    renderPage(<HostList />, { me: asManager() });
    await user.click(await screen.findByTestId('host-import'));
    upload('hosts.yaml', '- {name: a, ip: 10.0.0.1, credential: root-key}\n', 'application/yaml');
    await waitFor(() => expect(screen.getByTestId<HTMLButtonElement>('import-submit').disabled).toBe(false));
    await user.click(screen.getByTestId('import-submit'));

    const problems = await screen.findByTestId('import-problems');
    expect(within(problems).getByText(/nothing was registered/)).toBeTruthy();
    const ipRow = within(problems).getByText(/must be an IPv4 or IPv6 address/).closest('tr') as HTMLElement;
    expect(within(ipRow).getByText('2')).toBeTruthy();
    expect(within(ipRow).getByText('ip')).toBeTruthy();
    expect(within(problems).getByText(/no credential nope/)).toBeTruthy();
    expect(calls.find((c) => c.path === '/api/v1/hosts/import')?.headers.get('content-type')).toBe('application/yaml');
  });

  test('a file of another kind is not sent', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway();
    renderPage(<HostList />, { me: asManager() });
    await user.click(await screen.findByTestId('host-import'));
    upload('hosts.xlsx', 'binary', 'application/octet-stream');
    expect(await screen.findByText('hosts.xlsx is not a .csv, .yaml or .yml file.')).toBeTruthy();
    expect(screen.getByTestId<HTMLButtonElement>('import-submit').disabled).toBe(true);
    expect(calls.some((c) => c.path === '/api/v1/hosts/import')).toBe(false);
  });
});

test('an administrator accepts a changed host key only with the fingerprint the host presented', async () => {
  const user = userEvent.setup({ delay: null });
  const changed = host({
    status: 'host_key_changed',
    status_message: 'The SSH host key of 10.213.0.11 changed.',
    host_key: { fingerprint: 'SHA256:old', pending_fingerprint: 'SHA256:new' },
  });
  const { calls } = gateway({ 'POST /api/v1/hosts/h-1/host-key/accept': { body: host() } }, [changed]);
  renderPage(<HostList />, { me: asAdmin() });
  await user.click(await screen.findByTestId('host-accept-key'));
  const dialog = await screen.findByRole('dialog');
  expect(within(dialog).getByText('SHA256:old')).toBeTruthy();
  expect(within(dialog).getByTestId('hostkey-pending').textContent).toBe('SHA256:new');
  const input = within(dialog).getByLabelText('Fingerprint you read on the host');
  await user.type(input, 'SHA256:typo');
  await user.click(screen.getByTestId('hostkey-submit'));
  expect(await within(dialog).findByText(/not the key the host presented/)).toBeTruthy();
  expect(calls.some((c) => c.path.endsWith('/host-key/accept'))).toBe(false);
  await user.clear(input);
  await user.type(input, 'SHA256:new');
  await user.click(screen.getByTestId('hostkey-submit'));
  await waitFor(() => expect(calls.find((c) => c.path.endsWith('/host-key/accept'))?.body).toEqual({ fingerprint: 'SHA256:new' }));
});
