import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent, { type UserEvent } from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { fakeApi, page } from '../../../test/api';
import { asManager, asReader, host, plan, project, PROJECT_ID, region, zone } from '../../../test/fixtures';
import { renderPage } from '../../../test/render';
import { nextSteps } from '../../../test/wizard';
import ClusterWizard from './Wizard';

const worker = host({ id: 'h-3', name: 'worker-1', ip: '10.213.0.13' });
const busy = host({ id: 'h-4', name: 'busy-1', cluster_id: 'k-9' });
const down = host({ id: 'h-5', name: 'down-1', status: 'unreachable', status_message: 'Connection refused.' });
const fedora = host({
  id: 'h-6',
  name: 'fedora-1',
  facts: { ...host().facts, os: { id: 'fedora', name: 'Fedora Linux 40', supported: false, unsupported_reason: 'Fedora Linux 40 is not supported.' } },
});
const tiny = host({ id: 'h-7', name: 'tiny-1', facts: { ...host().facts, cpus: 1 } });
const versions = { items: [{ kubernetes_version: 'v1.29.3', arch: 'amd64', package_id: 'pkg-1', components: {} }] };

function gateway(extra = {}, versionList: unknown = versions) {
  return fakeApi({
    'GET /api/v1/projects': { body: page([project]) },
    'GET /api/v1/versions': { body: versionList },
    'GET /api/v1/hosts': { body: page([host(), worker, busy, down, fedora, tiny]) },
    ...extra,
  });
}

/** Chooses an option of the antd select labelled `label` (the open dropdown is the visible one). */
async function pick(user: UserEvent, combobox: HTMLElement, option: string) {
  await user.click(combobox);
  const open = await waitFor(() => {
    const list = [...document.querySelectorAll('.ant-select-dropdown')].filter((d) => !d.className.includes('hidden'));
    if (!list.length) throw new Error('no open dropdown');
    return list[list.length - 1] as HTMLElement;
  });
  await user.click(within(open).getByTitle(option));
}

async function fillBasics(user: UserEvent) {
  const name = await screen.findByLabelText('Name');
  fireEvent.change(name, { target: { value: 'prod-1' } });
  await pick(user, screen.getByLabelText('Version'), 'v1.29.3');
  await user.click(screen.getByTestId('wizard-next'));
  await screen.findByTestId('topology-single');
  await user.click(screen.getByTestId('wizard-next'));
  await screen.findByTestId('wizard-hosts');
}

const stepStatus = (title: string) =>
  (within(screen.getByTestId('wizard-steps')).getByText(title).closest('.ant-steps-item') as HTMLElement).className;

describe('create-cluster wizard', () => {
  test('unsuitable hosts are shown, disabled, with the reason', async () => {
    const user = userEvent.setup({ delay: null });
    gateway();
    renderPage(<ClusterWizard />, { me: asManager() });
    await fillBasics(user);
    const table = screen.getByTestId('wizard-hosts');
    await within(table).findByText('busy-1');
    expect(within(table).getAllByText('Debian GNU/Linux 12 (bookworm)').length).toBe(5);
    expect(screen.getByTestId('node-unsuitable-busy-1').textContent).toBe('Already in cluster k-9.');
    expect(screen.getByTestId('node-unsuitable-down-1').textContent).toMatch(/Not ready \(Unreachable\)/);
    expect(screen.getByTestId('node-unsuitable-fedora-1').textContent).toMatch(/Fedora Linux 40 is not supported/);
    expect(screen.getByTestId('node-unsuitable-tiny-1').textContent).toMatch(/Too few CPUs: 1, at least 2/);
    const radios = (name: string) => within(screen.getByTestId(`node-role-${name}`)).getAllByRole<HTMLInputElement>('radio');
    for (const name of ['busy-1', 'down-1', 'fedora-1', 'tiny-1']) {
      expect(radios(name).map((r) => r.disabled), name).toEqual([true, true, true]);
    }
    expect(radios('master-1').map((r) => r.disabled)).toEqual([false, false, false]);
    expect(screen.queryByTestId('node-unsuitable-master-1')).toBeNull();
    // The topology needs one master: next refuses until it is chosen.
    await user.click(screen.getByTestId('wizard-next'));
    expect(await screen.findByText('Choose exactly 1 master node(s); 0 chosen.')).toBeTruthy();
  }, 240_000);

  test('the API’s refusal lands on each field of its step, and the wizard goes to the first one', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway({
      'POST /api/v1/clusters': {
        status: 422,
        body: {
          error: 'validation_error',
          detail: 'several problems',
          fields: [
            { field: 'nodes[1].host_id', message: 'host worker-1 is unreachable: Check it again.' },
            { field: 'network.pod_cidr', message: 'overlaps the network 10.244.0.0/24 of host master-1' },
            { field: 'version', message: 'no imported offline package has Kubernetes v1.29.3 for amd64' },
          ],
        },
      },
    });
    renderPage(<ClusterWizard />, { me: asManager() });
    await fillBasics(user);
    await user.click(within(screen.getByTestId('node-role-master-1')).getByText('Master'));
    await user.click(within(screen.getByTestId('node-role-worker-1')).getByText('Worker'));
    await nextSteps(user, 4);
    const review = await screen.findByTestId('wizard-review');
    expect(within(review).getByText('master-1 · Master')).toBeTruthy();
    await user.click(screen.getByTestId('wizard-submit'));

    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const body = calls.find((c) => c.method === 'POST')?.body as Record<string, unknown>;
    expect(body).toMatchObject({
      project_id: PROJECT_ID,
      name: 'prod-1',
      version: 'v1.29.3',
      topology: 'single',
      nodes: [
        { host_id: 'h-1', role: 'master' },
        { host_id: 'h-3', role: 'worker' },
      ],
      network: { plugin: 'flannel', pod_cidr: '10.244.0.0/16' },
    });
    // Back on the first step with an error: the version, under its select.
    const basics = await screen.findByTestId('wizard-basics');
    expect(await within(basics).findByText(/no imported offline package/)).toBeTruthy();
    expect(stepStatus('Basics')).toContain('error');
    expect(stepStatus('Hosts')).toContain('error');
    expect(stepStatus('Network')).toContain('error');
    expect(stepStatus('Topology')).not.toContain('error');
    expect(screen.queryByTestId('form-error')).toBeNull();

    await user.click(within(screen.getByTestId('wizard-steps')).getByText('Network'));
    const podCidr = (await screen.findByLabelText('Pod network (CIDR)')).closest('.ant-form-item') as HTMLElement;
    expect(await within(podCidr).findByText(/overlaps the network 10.244.0.0\/24/)).toBeTruthy();
    await user.click(within(screen.getByTestId('wizard-steps')).getByText('Hosts'));
    expect((await screen.findByTestId('node-error-worker-1')).textContent).toBe('host worker-1 is unreachable: Check it again.');
  }, 240_000);

  test('CoreDNS is on by default; switched off, the review says so and the body carries it', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway({ 'POST /api/v1/clusters': { status: 422, body: { error: 'validation_error', detail: 'x', fields: [] } } });
    renderPage(<ClusterWizard />, { me: asManager() });
    await fillBasics(user);
    await user.click(within(screen.getByTestId('node-role-master-1')).getByText('Master'));
    await nextSteps(user, 3);
    const coredns = await screen.findByTestId('addons-coredns');
    expect(coredns.getAttribute('aria-checked')).toBe('true');
    expect(screen.getByText(/Off: cluster DNS is then your job/)).toBeTruthy();
    await user.click(coredns);
    expect(coredns.getAttribute('aria-checked')).toBe('false');
    await nextSteps(user, 1);
    const review = await screen.findByTestId('wizard-review');
    const row = within(review).getByText('CoreDNS').closest('tr') as HTMLElement;
    expect(within(row).getAllByText('Off').length).toBeGreaterThan(0);
    await user.click(screen.getByTestId('wizard-submit'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const body = calls.find((c) => c.method === 'POST')?.body as { addons: Record<string, boolean> };
    expect(body.addons).toEqual({ metrics_server: true, helm: true, coredns: false });
  }, 240_000);

  test('“Create VMs from a plan”: the plan’s shape and topology, the workers overridden; the body has provisioning and no nodes', async () => {
    const user = userEvent.setup({ delay: null });
    const zones = [zone(), zone({ id: 'z-2', name: 'zone-b' }), zone({ id: 'z-3', name: 'zone-c' })];
    const { calls } = gateway({
      'GET /api/v1/plans': { body: page([plan()]) },
      'GET /api/v1/regions': { body: page([region()]) },
      'GET /api/v1/zones': { body: page(zones) },
      'POST /api/v1/clusters': {
        status: 422,
        body: { error: 'invalid_input', detail: 'provisioning.plan_id: no plan pl-1 in this project: pick one under Plans', field: 'provisioning.plan_id' },
      },
    });
    renderPage(<ClusterWizard />, { me: asManager() });
    await fillBasics(user);
    await user.click(within(screen.getByTestId('wizard-source')).getByText('Create VMs from a plan'));
    const step = await screen.findByTestId('wizard-plan');
    await pick(user, await within(step).findByLabelText('Plan'), 'prod-ha · VMware vSphere · 3 masters (HA)');
    // The plan is HA and the wizard was single: the cluster follows the plan, and says so.
    expect(await screen.findByTestId('plan-topology-followed')).toBeTruthy();
    const details = await screen.findByTestId('wizard-plan-details');
    expect(within(details).getByText('VMware vSphere')).toBeTruthy();
    expect(within(details).getByText('zone-a, zone-b, zone-c')).toBeTruthy();
    expect(within(details).getByText('master-3 → zone-c')).toBeTruthy();
    expect(screen.queryByTestId('plan-topology-mismatch')).toBeNull();
    const workers = screen.getByLabelText<HTMLInputElement>('Workers');
    expect(workers.value).toBe('2');
    fireEvent.change(workers, { target: { value: '4' } });
    await waitFor(() => expect(within(details).getByText('zone-a × 2')).toBeTruthy());
    await nextSteps(user, 4);
    const review = await screen.findByTestId('wizard-review');
    expect(within(review).getByText('3 master nodes + workers (high availability)')).toBeTruthy();
    expect(within(review).getByTestId('review-plan').textContent).toContain('VMs created from plan prod-ha');
    expect(within(review).getByText('Workers: 4')).toBeTruthy();
    await user.click(screen.getByTestId('wizard-submit'));

    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const body = calls.find((c) => c.method === 'POST')?.body as Record<string, unknown>;
    expect(body).toMatchObject({ topology: 'ha', nodes: [], provisioning: { plan_id: 'pl-1', worker_count: 4 } });
    // The refusal lands under the plan's select, back on the hosts step.
    const planItem = (await screen.findByTestId('wizard-plan')).querySelector('.ant-form-item') as HTMLElement;
    expect(await within(planItem).findByText(/no plan pl-1 in this project/)).toBeTruthy();
    expect(stepStatus('Hosts')).toContain('error');
    expect(screen.queryByTestId('form-error')).toBeNull();
  }, 240_000);

  test('the topology chosen on its step is the one the hosts step asks for (3 masters for HA)', async () => {
    const user = userEvent.setup({ delay: null });
    gateway();
    renderPage(<ClusterWizard />, { me: asManager() });
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'prod-1' } });
    await pick(user, screen.getByLabelText('Version'), 'v1.29.3');
    await nextSteps(user, 1);
    await user.click(await screen.findByTestId('topology-ha'));
    await nextSteps(user, 1);
    expect((await screen.findByTestId('masters-count')).textContent).toBe('Masters: 0 of 3');
  }, 240_000);

  test('no offline package yet: the wizard says to import one first', async () => {
    gateway({}, { items: [] });
    renderPage(<ClusterWizard />, { me: asManager() });
    const alert = await screen.findByTestId('wizard-no-versions');
    expect(within(alert).getByText('Import a package first')).toBeTruthy();
    expect(within(alert).getByRole('link').getAttribute('href')).toBe('/admin/offline-packages');
  });

  test('a read-only member cannot create a cluster', async () => {
    gateway();
    renderPage(<ClusterWizard />, { me: asReader() });
    expect(await screen.findByTestId('wizard-not-allowed')).toBeTruthy();
    expect(screen.queryByTestId('wizard-next')).toBeNull();
  });
});
