import { QueryClient, QueryObserver } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { liveHandlers } from '../../live/handlers';
import { liveEvent } from '../../test/events';
import { PROJECT_ID } from '../../test/fixtures';
import { kubeEventsListKey, mayShow, THROTTLE_MS, type KubeEventsQuery } from './live';

const WARNING = 'kubeoperator.observability.kube-event.warning.v1';
const page0 = { limit: 50, offset: 0 };

function warning(data: Record<string, unknown> = {}) {
  return liveEvent(WARNING, {
    cluster_id: 'k-1',
    project_id: PROJECT_ID,
    uid: 'u-1',
    namespace: 'shop',
    kind: 'Pod',
    name: 'web-1',
    reason: 'BackOff',
    message: 'Back-off restarting failed container',
    count: 2,
    last_seen: '2026-01-04T00:10:00Z',
    ...data,
  });
}

/** A list on screen (an observed query) that counts its fetches. */
function shownList(queryClient: QueryClient, query: KubeEventsQuery) {
  const fetches = { count: 0 };
  const observer = new QueryObserver(queryClient, {
    queryKey: kubeEventsListKey(query),
    queryFn: () => {
      fetches.count += 1;
      return { items: [], total: 0, ...page0 };
    },
    staleTime: Infinity,
  });
  const unsubscribe = observer.subscribe(() => {});
  return { fetches, unsubscribe };
}

const handle = (queryClient: QueryClient, event: ReturnType<typeof warning>) => liveHandlers[WARNING]?.(queryClient, event);

describe('live warnings', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test('a warning refetches the lists that may show it, not the others', async () => {
    const queryClient = new QueryClient();
    const project = shownList(queryClient, { projectId: PROJECT_ID, ...page0 });
    const tab = shownList(queryClient, { clusterId: 'k-1', ...page0 });
    const otherCluster = shownList(queryClient, { clusterId: 'k-2', ...page0 });
    const normalOnly = shownList(queryClient, { projectId: PROJECT_ID, type: 'Normal', ...page0 });
    const otherNamespace = shownList(queryClient, { projectId: PROJECT_ID, namespace: 'kube-system', ...page0 });
    await vi.advanceTimersByTimeAsync(0);
    const lists = [project, tab, otherCluster, normalOnly, otherNamespace];
    expect(lists.map((l) => l.fetches.count)).toEqual([1, 1, 1, 1, 1]);

    handle(queryClient, warning());
    await vi.advanceTimersByTimeAsync(0);
    expect(lists.map((l) => l.fetches.count)).toEqual([2, 2, 1, 1, 1]);
    lists.forEach((l) => l.unsubscribe());
  });

  test('a burst of 100 warnings: one refetch at once, one more a second later with the rest, then quiet', async () => {
    const queryClient = new QueryClient();
    const project = shownList(queryClient, { projectId: PROJECT_ID, ...page0 });
    const otherTab = shownList(queryClient, { clusterId: 'k-2', ...page0 });
    await vi.advanceTimersByTimeAsync(0);

    for (let i = 0; i < 100; i++) handle(queryClient, warning({ uid: `u-${i}`, cluster_id: i === 99 ? 'k-2' : 'k-1' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(project.fetches.count).toBe(2);
    expect(otherTab.fetches.count).toBe(1); // k-2's warning came during the pause
    await vi.advanceTimersByTimeAsync(THROTTLE_MS - 10);
    expect(project.fetches.count).toBe(2);
    await vi.advanceTimersByTimeAsync(10);
    expect(project.fetches.count).toBe(3);
    expect(otherTab.fetches.count).toBe(2); // not forgotten
    await vi.advanceTimersByTimeAsync(5 * THROTTLE_MS);
    expect(project.fetches.count).toBe(3);

    // Quiet again: the next warning refetches at once.
    handle(queryClient, warning());
    await vi.advanceTimersByTimeAsync(0);
    expect(project.fetches.count).toBe(4);
    project.unsubscribe();
    otherTab.unsubscribe();
  });

  test('a steady stream refetches once a second at most', async () => {
    const queryClient = new QueryClient();
    const project = shownList(queryClient, { projectId: PROJECT_ID, ...page0 });
    await vi.advanceTimersByTimeAsync(0);
    for (let ms = 0; ms < 5000; ms += 50) {
      handle(queryClient, warning({ uid: `u-${ms}` }));
      await vi.advanceTimersByTimeAsync(50);
    }
    // 1 first fetch, then one at once and one per second of the 5 s.
    expect(project.fetches.count).toBeLessThanOrEqual(1 + 1 + 5);
    expect(project.fetches.count).toBeGreaterThanOrEqual(5);
    project.unsubscribe();
  });
});

test('which lists may show a warning', () => {
  const w = warning().data;
  expect(mayShow({ ...page0 }, w)).toBe(true);
  expect(mayShow({ projectId: 'p-other', ...page0 }, w)).toBe(false);
  expect(mayShow({ kind: 'Node', ...page0 }, w)).toBe(false);
  expect(mayShow({ reason: 'BackOff', type: 'Warning', q: 'anything', ...page0 }, w)).toBe(true);
  expect(mayShow({ reason: 'Evicted', ...page0 }, w)).toBe(false);
});
