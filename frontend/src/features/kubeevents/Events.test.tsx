import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes, useLocation } from 'react-router';
import { describe, expect, test } from 'vitest';
import i18n from '../../i18n';
import { fakeApi, page, type Recorded } from '../../test/api';
import { asReader, project, PROJECT_ID } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import ClusterDetail from '../clusters/Detail';
import { cluster, operation } from '../clusters/testData';
import { liveHandlers } from '../../live/handlers';
import { liveEvent } from '../../test/events';
import { POLL_MS, type KubeEvent } from './api';
import EventsPage from './Events';

const SLOW = { timeout: 15000 };

function kubeEvent(overrides: Partial<KubeEvent> = {}): KubeEvent {
  return {
    id: 1,
    cluster_id: 'k-1',
    project_id: PROJECT_ID,
    uid: 'u-1',
    namespace: 'shop',
    kind: 'Pod',
    name: 'web-7d9f-abcde',
    reason: 'BackOff',
    message: 'Back-off restarting failed container web in pod web-7d9f-abcde',
    type: 'Warning',
    count: 42,
    source: 'kubelet worker-1',
    first_seen: '2026-01-04T00:00:00Z',
    last_seen: '2026-01-04T00:10:00Z',
    ...overrides,
  };
}

const scheduled = kubeEvent({ id: 2, uid: 'u-2', cluster_id: 'k-2', namespace: 'kube-system', kind: 'Pod', name: 'coredns-1', reason: 'Scheduled', message: 'Successfully assigned kube-system/coredns-1 to worker-2', type: 'Normal', count: 1 });

/** Shows the router's query string, as the address bar would. */
function Address() {
  return <div data-testid="address">{useLocation().search}</div>;
}

const eventCalls = (calls: Recorded[]) => calls.filter((c) => c.path === '/api/v1/cluster-events');
const lastEventCall = (calls: Recorded[]) => eventCalls(calls).at(-1)?.search;
const rowOf = (text: string) => screen.getByText(text).closest('tr') as HTMLElement;

function eventsPage(route = '/events', answer: { status?: number; body?: unknown } = { body: page([kubeEvent(), scheduled]) }) {
  const api = fakeApi({
    'GET /api/v1/projects': { body: page([project]) },
    'GET /api/v1/clusters': { body: page([cluster({ status: 'running' }), cluster({ id: 'k-2', name: 'dev-1', status: 'running' })]) },
    'GET /api/v1/cluster-events': answer,
  });
  const rendered = renderPage(
    <>
      <EventsPage />
      <Address />
    </>,
    { me: asReader(), route },
  );
  return { ...api, ...rendered };
}

/** Chooses an option of an antd select (the open dropdown is the visible one). */
async function pick(combobox: HTMLElement, option: string) {
  await userEvent.click(combobox);
  const list = await waitFor(() => {
    const found = [...document.querySelectorAll('.ant-select-dropdown')].filter((d) => !d.className.includes('hidden'));
    if (!found.length) throw new Error('no open dropdown');
    return found[found.length - 1] as HTMLElement;
  });
  await userEvent.click(within(list).getByTitle(option));
}

describe('events page', () => {
  test('lists the project’s events: last seen, cluster by name, type (a warning in colour), namespace, object, reason, message, count', async () => {
    const { calls } = eventsPage();
    expect(await screen.findByText('Pod/web-7d9f-abcde', {}, SLOW)).toBeTruthy();
    expect(lastEventCall(calls)?.get('project_id')).toBe(PROJECT_ID);
    expect(lastEventCall(calls)?.get('cluster_id')).toBeNull();
    const warning = rowOf('Pod/web-7d9f-abcde');
    await waitFor(() => expect(within(warning).getByText('prod-1')).toBeTruthy());
    expect(within(warning).getByText('prod-1').getAttribute('href')).toBe('/clusters/k-1');
    const tag = within(warning).getByTestId('kube-event-type');
    expect(tag.textContent).toBe('Warning');
    expect(tag.className).toContain('ant-tag-orange');
    expect(within(warning).getByText('shop')).toBeTruthy();
    expect(within(warning).getByText('BackOff')).toBeTruthy();
    expect(within(warning).getByText(/Back-off restarting failed container/)).toBeTruthy();
    expect(within(warning).getByText('42')).toBeTruthy();
    expect(within(warning).getByText(/2026/)).toBeTruthy();
    const normal = rowOf('Pod/coredns-1');
    expect(within(normal).getByText('dev-1')).toBeTruthy();
    expect(within(normal).getByTestId('kube-event-type').textContent).toBe('Normal');
    expect(within(normal).getByTestId('kube-event-type').className).not.toContain('ant-tag-orange');
  });

  test('filters go into the request and the address; the text search asks once typing pauses', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = eventsPage();
    await screen.findByText('Pod/web-7d9f-abcde', {}, SLOW);

    await pick(within(screen.getByTestId('kube-events-type')).getByRole('combobox'), 'Warning');
    await waitFor(() => expect(lastEventCall(calls)?.get('type')).toBe('Warning'));
    expect(screen.getByTestId('address').textContent).toBe('?type=Warning');

    await pick(within(screen.getByTestId('kube-events-cluster')).getByRole('combobox'), 'dev-1');
    await waitFor(() => expect(lastEventCall(calls)?.get('cluster_id')).toBe('k-2'));

    const before = eventCalls(calls).length;
    await user.type(within(screen.getByTestId('kube-events-namespace')).getByRole('combobox'), 'kube-system{Enter}');
    await waitFor(() => expect(lastEventCall(calls)?.get('namespace')).toBe('kube-system'));
    await user.type(screen.getByTestId('kube-events-search'), 'OOMKilled');
    await waitFor(() => expect(lastEventCall(calls)?.get('q')).toBe('OOMKilled'));
    // One request for the namespace, one for the whole word typed: none per key.
    expect(eventCalls(calls).length - before).toBe(2);
    const address = new URLSearchParams(screen.getByTestId('address').textContent ?? '');
    expect(Object.fromEntries(address)).toEqual({ type: 'Warning', cluster: 'k-2', namespace: 'kube-system', q: 'OOMKilled' });
    expect(lastEventCall(calls)?.get('project_id')).toBeNull(); // one cluster asked: its project is implied

    await user.click(screen.getByTestId('kube-events-clear'));
    await waitFor(() => expect(screen.getByTestId('address').textContent).toBe(''));
    expect(await screen.findByText('Pod/web-7d9f-abcde')).toBeTruthy();
    expect(screen.getByTestId<HTMLInputElement>('kube-events-search').value).toBe('');
  });

  test('a live warning of a shown cluster reads the list again; other events come by polling every 30 s', async () => {
    const { calls, queryClient } = eventsPage();
    await screen.findByText('Pod/web-7d9f-abcde', {}, SLOW);
    const before = eventCalls(calls).length;
    act(() =>
      liveHandlers['kubeoperator.observability.kube-event.warning.v1']?.(
        queryClient,
        liveEvent('kubeoperator.observability.kube-event.warning.v1', { cluster_id: 'k-2', project_id: PROJECT_ID, namespace: 'shop', kind: 'Pod', name: 'api-1', reason: 'Evicted', count: 1 }),
      ),
    );
    await waitFor(() => expect(eventCalls(calls).length).toBe(before + 1));
    const observed = queryClient.getQueryCache().findAll({ queryKey: ['cluster-events', 'list'], type: 'active' });
    expect(observed.map((q) => q.observers[0]?.options.refetchInterval)).toEqual([POLL_MS]);
    expect(observed[0]?.observers[0]?.options.refetchIntervalInBackground).toBeFalsy();
  });

  test('a link reproduces the view: its filters and page are asked for and shown', async () => {
    const { calls } = eventsPage('/events?type=Warning&namespace=shop&kind=Pod&reason=BackOff&q=web&page=3', {
      body: { items: [kubeEvent()], total: 151, limit: 50, offset: 100 },
    });
    await screen.findByText('Pod/web-7d9f-abcde', {}, SLOW);
    const asked = lastEventCall(calls);
    expect(Object.fromEntries(asked ?? [])).toEqual({
      project_id: PROJECT_ID,
      type: 'Warning',
      namespace: 'shop',
      kind: 'Pod',
      reason: 'BackOff',
      q: 'web',
      limit: '50',
      offset: '100',
    });
    expect(screen.getByTestId<HTMLInputElement>('kube-events-search').value).toBe('web');
    expect(document.querySelector('.ant-pagination-item-active')?.textContent).toBe('3');
    expect(screen.getByText('151 events')).toBeTruthy();
  });

  test('empty: no events yet', async () => {
    eventsPage('/events', { body: page([]) });
    expect((await screen.findByTestId('kube-events-empty', {}, SLOW)).textContent).toContain('No Kubernetes events yet');
  });

  test('empty with filters says the filters match nothing, in Chinese too', async () => {
    eventsPage('/events?reason=Nope', { body: page([]) });
    const empty = await screen.findByTestId('kube-events-empty', {}, SLOW);
    expect(empty.textContent).toContain('No events match these filters.');
    await act(() => i18n.changeLanguage('zh-CN'));
    await waitFor(() => expect(screen.getByTestId('kube-events-empty').textContent).toContain('没有符合筛选条件的事件。'));
    for (const header of ['最后发生时间', '集群', '类型', '命名空间', '原因', '消息', '次数']) {
      expect(screen.getByRole('columnheader', { name: header })).toBeTruthy();
    }
  });

  test('a failed request shows the error', async () => {
    eventsPage('/events', { status: 503, body: { error: 'unavailable', detail: 'The observability service is not answering.' } });
    expect(await screen.findByText('The observability service is not answering.', {}, SLOW)).toBeTruthy();
  });
});

function detail(answer: { status?: number; body?: unknown }) {
  const api = fakeApi({
    'GET /api/v1/clusters/k-1': { body: cluster({ status: 'running', operation: null, current_operation_id: null }) },
    'GET /api/v1/operations': { body: page([operation({ status: 'succeeded' })]) },
    'GET /api/v1/clusters/k-1/health': { status: 404, body: { error: 'not_found', detail: 'unknown' } },
    'GET /api/v1/cluster-events': answer,
  });
  renderPage(
    <Routes>
      <Route path="/clusters/:clusterId" element={<ClusterDetail />} />
    </Routes>,
    { me: asReader(), route: '/clusters/k-1' },
  );
  return api;
}

describe('events tab of a cluster', () => {
  test('asks for that cluster’s events only; no cluster filter or column', async () => {
    const { calls } = detail({ body: page([kubeEvent()]) });
    await userEvent.click(await screen.findByRole('tab', { name: 'Events' }, SLOW));
    await screen.findByText('Pod/web-7d9f-abcde', {}, SLOW);
    expect(lastEventCall(calls)?.get('cluster_id')).toBe('k-1');
    expect(lastEventCall(calls)?.get('project_id')).toBeNull();
    expect(screen.queryByTestId('kube-events-cluster')).toBeNull();
    expect(screen.queryByRole('columnheader', { name: 'Cluster' })).toBeNull();
  });

  test('a cluster the observability service does not know yet (404) says its events are not collected yet', async () => {
    detail({ status: 404, body: { error: 'not_found', detail: 'No cluster k-1 whose events are known.' } });
    await userEvent.click(await screen.findByRole('tab', { name: 'Events' }, SLOW));
    expect((await screen.findByTestId('kube-events-unknown', {}, SLOW)).textContent).toContain('not collected yet');
  });
});
