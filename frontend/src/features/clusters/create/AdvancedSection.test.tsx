import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent, { type UserEvent } from '@testing-library/user-event';
import { describe, expect, test } from 'vitest';
import { ApiError } from '../../../api';
import { fakeApi, page } from '../../../test/api';
import { asManager, host, project } from '../../../test/fixtures';
import { renderPage } from '../../../test/render';
import { nextSteps } from '../../../test/wizard';
import { Providers } from '../../../app/Providers';
import { testQueryClient } from '../../../test/render';
import { AdvancedSettings } from '../AdvancedSettings';
import { ADVANCED_DEFAULTS, advancedParts, parseFlags, parseObject, toAdvanced } from './advanced';
import { DEFAULTS, mapErrors, toBody, type WizardValues } from './spec';
import ClusterWizard from './Wizard';

const values: WizardValues = { ...DEFAULTS, project_id: 'p', name: 'prod-1', version: 'v1.29.3' };

describe('the advanced settings the wizard sends', () => {
  test('JSON blocks and name=value flags become the API’s advanced block; empty inputs send empty parts', () => {
    expect(toBody(values, []).advanced).toEqual({
      kubelet_config: {},
      kube_proxy_config: {},
      containerd_config: {},
      control_plane_args: { apiserver: {}, controller_manager: {}, scheduler: {} },
    });
    const advanced = toAdvanced({
      ...ADVANCED_DEFAULTS,
      kubelet_config: '{"maxPods": 200, "imageMinimumGCAge": "5m"}',
      containerd_config: ' {"plugins": {"io.containerd.cri.v1.runtime": {"enable_unprivileged_ports": true}}} ',
      control_plane_args: { apiserver: 'audit-log-maxage=30\n\n profiling = false \nurl=a=b', controller_manager: '', scheduler: 'v=2' },
    });
    expect(advanced).toEqual({
      kubelet_config: { maxPods: 200, imageMinimumGCAge: '5m' },
      kube_proxy_config: {},
      containerd_config: { plugins: { 'io.containerd.cri.v1.runtime': { enable_unprivileged_ports: true } } },
      control_plane_args: { apiserver: { 'audit-log-maxage': '30', profiling: 'false', url: 'a=b' }, controller_manager: {}, scheduler: { v: '2' } },
    });
    expect(advancedParts(advanced).map((p) => p.key)).toEqual(['kubelet_config', 'containerd_config', 'apiserver', 'scheduler']);
    expect(advancedParts(advanced).find((p) => p.key === 'apiserver')?.text).toBe('--audit-log-maxage=30\n--profiling=false\n--url=a=b');
  });

  test('what does not parse is said on the input', () => {
    expect(parseObject('{"maxPods": }')).toMatchObject({ error: { kind: 'badJson' } });
    expect(parseObject('[1]')).toEqual({ error: { kind: 'notObject' } });
    expect(parseObject('  ')).toEqual({ value: {} });
    expect(parseFlags('v=2\n--profiling')).toEqual({ error: { kind: 'badFlag', line: 2 } });
  });

  test('the API’s errors land on the block or component input, naming the field inside it', () => {
    const body = toBody(values, []);
    const mapped = mapErrors(
      new ApiError(422, {
        error: 'validation_error',
        detail: 'x',
        fields: [
          { field: 'advanced.kubelet_config.fooBar', message: 'unknown KubeletConfiguration field; known fields include address, ...' },
          { field: 'advanced.control_plane_args.apiserver.etcd-servers', message: 'set by KubeOperator from the masters (the etcd phase)' },
          { field: 'advanced.containerd_config.plugins."io.containerd.cri.v1.images".pinned_images.sandbox', message: 'set by KubeOperator' },
        ],
      }),
      body,
    );
    expect(mapped.step).toBe('addons');
    expect(mapped.rest).toEqual([]);
    expect(mapped.fields).toEqual([
      { name: ['advanced', 'kubelet_config'], errors: ['fooBar: unknown KubeletConfiguration field; known fields include address, ...'] },
      { name: ['advanced', 'control_plane_args', 'apiserver'], errors: ['etcd-servers: set by KubeOperator from the masters (the etcd phase)'] },
      { name: ['advanced', 'containerd_config'], errors: ['plugins."io.containerd.cri.v1.images".pinned_images.sandbox: set by KubeOperator'] },
    ]);
  });
});

describe('the advanced settings shown', () => {
  test('only the parts given, with their labels; none when empty', async () => {
    const { rerender } = render(
      <Providers queryClient={testQueryClient()}>
        <AdvancedSettings advanced={{ kubelet_config: { maxPods: 200 }, control_plane_args: { apiserver: {}, controller_manager: { v: '2' }, scheduler: {} } }} />
      </Providers>,
    );
    const kubelet = await screen.findByTestId('advanced-kubelet_config');
    expect(within(kubelet).getByText('kubelet (KubeletConfiguration fields)')).toBeTruthy();
    expect(kubelet.querySelector('pre')?.textContent).toBe('{\n  "maxPods": 200\n}');
    expect(screen.getByTestId('advanced-controller_manager').querySelector('pre')?.textContent).toBe('--v=2');
    expect(screen.queryByTestId('advanced-apiserver')).toBeNull();
    rerender(
      <Providers queryClient={testQueryClient()}>
        <AdvancedSettings advanced={undefined} />
      </Providers>,
    );
    expect(await screen.findByText('None')).toBeTruthy();
  });
});

async function pick(user: UserEvent, combobox: HTMLElement, option: string) {
  await user.click(combobox);
  const open = await waitFor(() => {
    const list = [...document.querySelectorAll('.ant-select-dropdown')].filter((d) => !d.className.includes('hidden'));
    if (!list.length) throw new Error('no open dropdown');
    return list[list.length - 1] as HTMLElement;
  });
  await user.click(within(open).getByTitle(option));
}

const itemOf = (testId: string) => screen.getByTestId(testId).closest('.ant-form-item') as HTMLElement;

describe('the wizard’s advanced section', () => {
  test('folded in the add-ons step; checked before the review, shown there, sent, and the API’s refusal put on its inputs', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = fakeApi({
      'GET /api/v1/projects': { body: page([project]) },
      'GET /api/v1/versions': { body: { items: [{ kubernetes_version: 'v1.29.3', arch: 'amd64', package_id: 'pkg-1', components: {} }] } },
      'GET /api/v1/hosts': { body: page([host()]) },
      'POST /api/v1/clusters': {
        status: 422,
        body: {
          error: 'validation_error',
          detail: 'x',
          fields: [
            { field: 'advanced.kubelet_config.clusterDNS', message: 'set by KubeOperator from network.service_cidr' },
            { field: 'advanced.control_plane_args.apiserver.etcd-servers', message: 'set by KubeOperator from the masters' },
          ],
        },
      },
    });
    renderPage(<ClusterWizard />, { me: asManager() });
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'prod-1' } });
    await pick(user, screen.getByLabelText('Version'), 'v1.29.3');
    await user.click(screen.getByTestId('wizard-next'));
    await screen.findByTestId('topology-single');
    await user.click(screen.getByTestId('wizard-next'));
    await screen.findByTestId('wizard-hosts');
    await user.click(within(await screen.findByTestId('node-role-master-1')).getByText('Master'));
    await nextSteps(user, 3);

    // Folded, with its hint inside.
    const section = await screen.findByTestId('wizard-advanced');
    expect(section.querySelector('.ant-collapse-item-active')).toBeNull();
    await user.click(within(section).getByText('Advanced settings'));
    expect(within(section).getByText(/hardened kernels, containers as hosts/)).toBeTruthy();

    // What does not parse stops the step, on its input.
    fireEvent.change(screen.getByTestId('advanced-input-kubelet_config'), { target: { value: '{"maxPods": }' } });
    fireEvent.change(screen.getByTestId('advanced-input-apiserver'), { target: { value: '--profiling' } });
    await user.click(screen.getByTestId('wizard-next'));
    expect(await within(itemOf('advanced-input-kubelet_config')).findByText(/Not valid JSON/)).toBeTruthy();
    expect(await within(itemOf('advanced-input-apiserver')).findByText('Line 1: write name=value')).toBeTruthy();
    expect(screen.queryByTestId('wizard-review')).toBeNull();

    fireEvent.change(screen.getByTestId('advanced-input-kubelet_config'), { target: { value: '{"maxPods": 200, "clusterDNS": ["10.96.0.10"]}' } });
    fireEvent.change(screen.getByTestId('advanced-input-apiserver'), { target: { value: 'etcd-servers=https://10.0.0.1:2379' } });
    await user.click(screen.getByTestId('wizard-next'));
    const review = await screen.findByTestId('wizard-review');
    expect(within(review).getByTestId('advanced-apiserver').querySelector('pre')?.textContent).toBe('--etcd-servers=https://10.0.0.1:2379');
    await user.click(screen.getByTestId('wizard-submit'));

    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const body = calls.find((c) => c.method === 'POST')?.body as Record<string, unknown>;
    expect(body.advanced).toEqual({
      kubelet_config: { maxPods: 200, clusterDNS: ['10.96.0.10'] },
      kube_proxy_config: {},
      containerd_config: {},
      control_plane_args: { apiserver: { 'etcd-servers': 'https://10.0.0.1:2379' }, controller_manager: {}, scheduler: {} },
    });
    // Back on the add-ons step, the section open, each refusal under its input.
    expect(await within(itemOf('advanced-input-kubelet_config')).findByText('clusterDNS: set by KubeOperator from network.service_cidr')).toBeTruthy();
    expect(await within(itemOf('advanced-input-apiserver')).findByText('etcd-servers: set by KubeOperator from the masters')).toBeTruthy();
    expect(screen.getByTestId('wizard-advanced').querySelector('.ant-collapse-item-active')).not.toBeNull();
    expect(screen.queryByTestId('form-error')).toBeNull();
  }, 300_000);
});
