import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { describe, expect, test } from 'vitest';
import type { Schemas } from '../../../api';
import i18n from '../../../i18n';
import { fakeApi, page, type Recorded } from '../../../test/api';
import { asManager, asReader } from '../../../test/fixtures';
import { renderPage } from '../../../test/render';
import type { Cluster } from '../api';
import ClusterDetail from '../Detail';
import { cluster, operation } from '../testData';

const GIB = 1024 ** 3;
const idle = { id: 'op-1', kind: 'deploy', status: 'succeeded', phase: null, phases_done: 4, phases_total: 4 };
const withNfs = (overrides: Partial<Cluster> = {}) =>
  cluster({ status: 'running', status_message: 'Running.', operation: idle, spec: { ...cluster().spec, storage: { provisioner: 'nfs' } }, ...overrides });
const absent: Schemas['MonitoringOut'] = { installed: false, version: null, charts: {}, settings: null, operation: null };
const installed: Schemas['MonitoringOut'] = {
  installed: true,
  version: '77.0.0',
  charts: { 'kube-prometheus-stack': '77.0.0', loki: '6.30.0', alloy: '1.1.0', grafana: '9.2.0' },
  settings: { retention_days: 15, storage_class: 'nfs', storage_size_gi: 20, loki: true, grafana: true },
  operation: { id: 'op-9', kind: 'monitoring-install', status: 'succeeded', phase: null, phases_done: 5, phases_total: 5 },
};
const END = 1_767_400_000;
const series = (values: number[]) => values.map((v, i): [number, number] => [END - (values.length - 1 - i) * 60, v]);
const summary: Schemas['MonitoringSummary'] = {
  cluster_id: 'k-1',
  start: new Date((END - 3600) * 1000).toISOString(),
  end: new Date(END * 1000).toISOString(),
  minutes: 60,
  step_seconds: 60,
  cluster: {
    cpu_used_cores: series([1, 1.5, 2.25]),
    cpu_cores: series([8, 8, 8]),
    memory_used_bytes: series([6 * GIB, 7 * GIB, 7.5 * GIB]),
    memory_total_bytes: series([16 * GIB, 16 * GIB, 16 * GIB]),
    pods: [],
  },
  nodes: [
    { node: 'master-1', cpu_used_cores: series([0.5, 1.25]), cpu_cores: series([4, 4]), memory_used_bytes: series([3 * GIB, 3.5 * GIB]), memory_total_bytes: series([8 * GIB, 8 * GIB]), pods: [] },
    { node: 'worker-1', cpu_used_cores: series([0.5, 1]), cpu_cores: series([4, 4]), memory_used_bytes: series([3 * GIB, 4 * GIB]), memory_total_bytes: series([8 * GIB, 8 * GIB]), pods: [] },
  ],
  missing: ['pods'],
};

type Answer = { status?: number; body?: unknown } | ((req: Recorded) => { status?: number; body?: unknown });
function tab(me = asManager(), routes: Record<string, Answer> = {}, c: Cluster | (() => Cluster) = withNfs()) {
  const api = fakeApi({
    'GET /api/v1/clusters/k-1': () => ({ body: typeof c === 'function' ? c() : c }),
    'GET /api/v1/operations': { body: page([operation({ id: 'op-9', kind: 'monitoring-install', status: 'succeeded' })]) },
    'GET /api/v1/clusters/k-1/addons/monitoring': { body: absent },
    'GET /api/v1/clusters/k-1/monitoring/summary': { body: summary },
    ...routes,
  });
  renderPage(
    <Routes>
      <Route path="/clusters/:clusterId" element={<ClusterDetail />} />
    </Routes>,
    { me, route: '/clusters/k-1' },
  );
  return api;
}

const open = async () => {
  await userEvent.click(await screen.findByRole('tab', { name: 'Monitoring' }));
  return screen.findByTestId('cluster-monitoring');
};
const puts = (calls: Recorded[]) => calls.filter((c) => c.method === 'PUT');

describe('monitoring tab, not installed', () => {
  test('says what the stack brings; the install form sends the settings, a 422 shows on its field, then the live progress', async () => {
    let queued = false;
    const refusal = 'StorageClass "fast" does not exist in the cluster.';
    const { calls } = tab(
      asManager(),
      {
        'PUT /api/v1/clusters/k-1/addons/monitoring': (req) => {
          if ((req.body as { storage_class?: string }).storage_class === 'fast') {
            return { status: 422, body: { error: 'validation_error', detail: refusal, fields: [{ field: 'storage_class', message: refusal }] } };
          }
          queued = true;
          return { status: 202, body: { ...absent, operation: { id: 'op-10', kind: 'monitoring-install', status: 'queued', phase: null, phases_done: 0, phases_total: 5 } } };
        },
      },
      () => (queued ? withNfs({ operation: { id: 'op-10', kind: 'monitoring-install', status: 'running', phase: 'monitoring-prometheus', phases_done: 2, phases_total: 5 } }) : withNfs()),
    );
    const panel = await open();
    const install = await within(panel).findByTestId('monitoring-install');
    for (const part of ['Prometheus (kube-prometheus-stack)', 'Loki with the Alloy agent', 'Grafana: dashboards']) expect(install.textContent).toContain(part);

    const size = within(install).getByTestId<HTMLInputElement>('monitoring-storage-size');
    expect(size.disabled).toBe(true); // a size only with a class
    fireEvent.change(within(install).getByTestId('monitoring-retention'), { target: { value: '30' } });
    await userEvent.type(within(install).getByTestId('monitoring-storage-class'), 'fast');
    await waitFor(() => expect(size.disabled).toBe(false));
    fireEvent.change(size, { target: { value: '50' } });
    await userEvent.click(within(install).getByTestId('monitoring-loki'));
    await userEvent.click(within(install).getByTestId('monitoring-submit'));

    // The API's refusal under the storage class field, nothing queued.
    await waitFor(() => expect(within(install).getByText(refusal).closest('.ant-form-item')?.textContent).toContain('Storage class'));
    expect(puts(calls)[0].body).toEqual({ retention_days: 30, storage_class: 'fast', storage_size_gi: 50, loki: false, grafana: true });

    const storageClass = within(install).getByTestId('monitoring-storage-class');
    await userEvent.clear(storageClass);
    await userEvent.type(storageClass, 'nfs-client');
    await userEvent.click(within(install).getByTestId('monitoring-submit'));
    await waitFor(() => expect(puts(calls)).toHaveLength(2));
    expect(puts(calls)[1].body).toEqual({ retention_days: 30, storage_class: 'nfs-client', storage_size_gi: 50, loki: false, grafana: true });
    // The cluster read again carries the operation: its progress, linked to its page.
    const progress = await within(panel).findByTestId('monitoring-operation');
    expect(progress.getAttribute('href')).toBe('/clusters/k-1/operations/op-10');
    expect(progress.textContent).toContain('Install monitoring');
    expect(progress.textContent).toContain('2/5');
  });

  test('a reader sees what it brings, no form and no write buttons; in Chinese', async () => {
    tab(asReader());
    const panel = await open();
    await within(panel).findByTestId('monitoring-install');
    expect(within(panel).queryByTestId('monitoring-form')).toBeNull();
    expect(within(panel).queryByTestId('monitoring-submit')).toBeNull();
    expect(within(panel).getByTestId('monitoring-reader-hint').textContent).toContain('project manager');
    await act(() => i18n.changeLanguage('zh-CN'));
    expect(screen.getByRole('tab', { name: '监控' })).toBeTruthy();
    expect(within(panel).getByTestId('monitoring-install').textContent).toContain('该集群尚未安装监控组件');
  });
});

describe('monitoring tab, installed', () => {
  test('the settings, the Grafana link and the charts from the summary: lines drawn, units shown, the missing figure named', async () => {
    const { calls } = tab(asManager(), { 'GET /api/v1/clusters/k-1/addons/monitoring': { body: installed } });
    const panel = await open();
    const settings = await within(panel).findByTestId('monitoring-settings');
    expect(settings.textContent).toContain('77.0.0');
    expect(settings.textContent).toContain('nfs, 20 GiB each');
    expect(within(settings).getByTestId('monitoring-grafana-link').getAttribute('href')).toBe('/api/v1/clusters/k-1/monitoring/grafana/');
    expect(within(settings).getByTestId('monitoring-grafana-link').getAttribute('target')).toBe('_blank');

    const cpu = await within(panel).findByTestId('chart-cpu');
    expect(within(cpu).getByTestId('chart-cpu-used').getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+ L[\d.]+,[\d.]+ L/);
    expect(within(cpu).getByTestId('chart-cpu-total').getAttribute('d')).toMatch(/^M/);
    expect(within(cpu).getByTestId('chart-cpu-unit').textContent).toBe('cores');
    expect(within(cpu).getByTestId('chart-cpu-readout').textContent).toBe('Latest · Used 2.25 cores · Total 8 cores');
    const memory = within(panel).getByTestId('chart-memory');
    expect(within(memory).getByTestId('chart-memory-unit').textContent).toBe('GiB');
    expect(within(memory).getByTestId('chart-memory-readout').textContent).toBe('Latest · Used 7.5 GiB · Total 16 GiB');
    expect(within(panel).getByTestId('monitoring-missing').textContent).toContain('running pods');

    // Hovering reads the values at the nearest time (x = 600 of 640 is 3 minutes before the end: the first point).
    const svg = cpu.querySelector('svg') as SVGSVGElement;
    svg.getBoundingClientRect = () => ({ left: 0, top: 0, width: 640, height: 180, right: 640, bottom: 180, x: 0, y: 0, toJSON: () => ({}) });
    fireEvent.mouseMove(svg, { clientX: 600, clientY: 50 });
    expect(within(cpu).getByTestId('chart-cpu-readout').textContent).toMatch(/^At .+ · Used 1 cores · Total 8 cores$/);
    expect(cpu.querySelectorAll('circle')).toHaveLength(2);

    const nodes = within(panel).getByTestId('monitoring-nodes');
    expect(within(nodes).getByTestId('node-cpu-master-1').textContent).toBe('1.25 of 4 cores');
    expect(within(nodes).getByTestId('node-memory-worker-1').textContent).toBe('4 of 8 GiB');
    expect(within(nodes).getByTestId('node-pods-worker-1').textContent).toBe('No data');
    expect(within(nodes).getByTestId('spark-cpu-master-1').querySelector('path')?.getAttribute('d')).toMatch(/^M/);

    // An hour at a minute's step first; 6 h asks again at 5 minutes.
    const asked = () => calls.filter((c) => c.path === '/api/v1/clusters/k-1/monitoring/summary').map((c) => `${c.search.get('minutes')}/${c.search.get('step')}`);
    expect(asked()).toEqual(['60/60']);
    await userEvent.click(within(panel).getByText('6 h'));
    await waitFor(() => expect(asked()).toEqual(['60/60', '360/300']));

    await act(() => i18n.changeLanguage('zh-CN'));
    expect(within(panel).getByText('CPU 使用', { selector: 'strong' })).toBeTruthy();
    expect(within(panel).getByText('内存使用', { selector: 'strong' })).toBeTruthy();
    expect(within(panel).getByText('运行中的 Pod', { selector: 'strong' })).toBeTruthy();
    expect(within(panel).getByTestId('chart-cpu-unit').textContent).toBe('核');
    expect(within(panel).getByText('保留天数')).toBeTruthy();
    expect(within(panel).getByText('存储类')).toBeTruthy();
    expect(within(panel).getByTestId('monitoring-uninstall').textContent).toBe('卸载');
  });

  test('a change turning Loki off asks for the cluster’s name and sends it; Uninstall wants the name typed', async () => {
    const { calls } = tab(asManager(), {
      'GET /api/v1/clusters/k-1/addons/monitoring': { body: installed },
      'PUT /api/v1/clusters/k-1/addons/monitoring': { status: 202, body: installed },
      'DELETE /api/v1/clusters/k-1/addons/monitoring': { status: 202, body: installed },
    });
    const panel = await open();
    await userEvent.click(await within(panel).findByTestId('monitoring-change'));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByTestId<HTMLInputElement>('monitoring-storage-class').value).toBe('nfs');
    expect(within(dialog).queryByTestId('monitoring-confirm')).toBeNull();
    await userEvent.click(within(dialog).getByTestId('monitoring-loki'));
    expect((await within(dialog).findByTestId('monitoring-deletes-data')).textContent).toContain('Loki and the logs it keeps');
    await userEvent.click(within(dialog).getByTestId('monitoring-submit'));
    expect(await within(dialog).findByText('This is not the cluster’s name.')).toBeTruthy();
    expect(puts(calls)).toHaveLength(0);
    await userEvent.type(within(dialog).getByTestId('monitoring-confirm'), 'prod-1');
    await userEvent.click(within(dialog).getByTestId('monitoring-submit'));
    await waitFor(() => expect(puts(calls)).toHaveLength(1));
    expect(puts(calls)[0].body).toEqual({ retention_days: 15, storage_class: 'nfs', storage_size_gi: 20, loki: false, grafana: true, confirm: 'prod-1' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    await userEvent.click(within(panel).getByTestId('monitoring-uninstall'));
    const uninstall = await screen.findByRole('dialog');
    const submit = within(uninstall).getByTestId<HTMLButtonElement>('monitoring-uninstall-submit');
    expect(submit.disabled).toBe(true);
    await userEvent.type(within(uninstall).getByTestId('monitoring-uninstall-confirm'), 'prod-1');
    await userEvent.click(submit);
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.path === '/api/v1/clusters/k-1/addons/monitoring')).toBe(true));
  });

  test('a reader sees the charts and the Grafana link, no Change or Uninstall', async () => {
    tab(asReader(), { 'GET /api/v1/clusters/k-1/addons/monitoring': { body: installed } });
    const panel = await open();
    await within(panel).findByTestId('chart-cpu');
    expect(within(panel).getByTestId('monitoring-grafana-link')).toBeTruthy();
    for (const id of ['monitoring-change', 'monitoring-uninstall', 'monitoring-form', 'monitoring-submit']) expect(within(panel).queryByTestId(id)).toBeNull();
  });

  test('the summary’s 409 monitoring_not_installed shows the install panel', async () => {
    tab(asManager(), {
      'GET /api/v1/clusters/k-1/addons/monitoring': { body: installed },
      'GET /api/v1/clusters/k-1/monitoring/summary': { status: 409, body: { error: 'monitoring_not_installed', detail: 'The monitoring stack is not installed on cluster prod-1.' } },
    });
    const panel = await open();
    expect(await within(panel).findByTestId('monitoring-not-found')).toBeTruthy();
    expect(within(panel).getByTestId('monitoring-install').textContent).toContain('Loki with the Alloy agent');
    expect(within(panel).getByTestId('monitoring-submit').textContent).toBe('Install');
    // Prefilled with the settings of the last install, which the service compares a new one with.
    expect(within(panel).getByTestId<HTMLInputElement>('monitoring-storage-class').value).toBe('nfs');
    expect(within(panel).queryByTestId('chart-cpu')).toBeNull();
  });

  test('Prometheus not answering (502) is said in English and Chinese', async () => {
    tab(asReader(), {
      'GET /api/v1/clusters/k-1/addons/monitoring': { body: installed },
      'GET /api/v1/clusters/k-1/monitoring/summary': { status: 502, body: { error: 'upstream_error', detail: 'Prometheus timed out.' } },
    });
    const panel = await open();
    const error = await within(panel).findByTestId('monitoring-unreachable');
    expect(error.textContent).toContain('Prometheus of this cluster did not answer');
    expect(error.textContent).toContain('Prometheus timed out.');
    await act(() => i18n.changeLanguage('zh-CN'));
    expect(within(panel).getByTestId('monitoring-unreachable').textContent).toContain('该集群的 Prometheus 没有响应');
  });
});
