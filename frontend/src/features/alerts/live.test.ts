import { QueryClient, QueryObserver, type QueryKey } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { liveHandlers } from '../../live/handlers';
import { liveEvent } from '../../test/events';
import { PROJECT_ID } from '../../test/fixtures';
import { alertListKey, alertRoutesKey, silencesKey, THROTTLE_MS } from './live';

const FIRING = 'kubeoperator.observability.alert.firing.v1';
const RESOLVED = 'kubeoperator.observability.alert.resolved.v1';

/** A list on screen (an observed query) that counts its fetches. */
function shownList(queryClient: QueryClient, queryKey: QueryKey) {
  const fetches = { count: 0 };
  const observer = new QueryObserver(queryClient, {
    queryKey,
    queryFn: () => {
      fetches.count += 1;
      return { items: [], total: 0, limit: 50, offset: 0 };
    },
    staleTime: Infinity,
  });
  const unsubscribe = observer.subscribe(() => {});
  return { fetches, unsubscribe };
}

const firing = (id: string) => liveEvent(FIRING, { id, project_id: PROJECT_ID, cluster_id: 'k-1', rule: 'node-not-ready' }, { projectid: PROJECT_ID });

describe('live alerts', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test('a burst of firing and resolved alerts: one refetch at once, one more a second later, then quiet', async () => {
    const queryClient = new QueryClient();
    const firingList = shownList(queryClient, [...alertListKey, { status: 'firing', limit: 50, offset: 0 }]);
    const routes = shownList(queryClient, [...alertRoutesKey, 'list', { limit: 20, offset: 0 }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(firingList.fetches.count).toBe(1);

    for (let i = 0; i < 50; i++) {
      if (i % 2) liveHandlers[RESOLVED]?.(queryClient, liveEvent(RESOLVED, { id: `a-${i}`, project_id: PROJECT_ID }));
      else liveHandlers[FIRING]?.(queryClient, firing(`a-${i}`));
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(firingList.fetches.count).toBe(2);
    await vi.advanceTimersByTimeAsync(THROTTLE_MS);
    expect(firingList.fetches.count).toBe(3);
    await vi.advanceTimersByTimeAsync(5 * THROTTLE_MS);
    expect(firingList.fetches.count).toBe(3);
    expect(routes.fetches.count).toBe(1);

    liveHandlers[FIRING]?.(queryClient, firing('a-late'));
    await vi.advanceTimersByTimeAsync(0);
    expect(firingList.fetches.count).toBe(4);
    firingList.unsubscribe();
    routes.unsubscribe();
  });

  test('a silence refetches the silences and the alerts (their silenced flag); a route change the routes', async () => {
    const queryClient = new QueryClient();
    const alerts = shownList(queryClient, [...alertListKey, { limit: 50, offset: 0 }]);
    const silences = shownList(queryClient, [...silencesKey, 'list', { limit: 20, offset: 0 }]);
    const routes = shownList(queryClient, [...alertRoutesKey, 'list', { limit: 20, offset: 0 }]);
    await vi.advanceTimersByTimeAsync(0);
    liveHandlers['kubeoperator.observability.silence.expired.v1']?.(queryClient, liveEvent('kubeoperator.observability.silence.expired.v1', { id: 's-1' }));
    await vi.advanceTimersByTimeAsync(0);
    expect([alerts.fetches.count, silences.fetches.count, routes.fetches.count]).toEqual([2, 2, 1]);
    liveHandlers['kubeoperator.observability.alert-route.updated.v1']?.(queryClient, liveEvent('kubeoperator.observability.alert-route.updated.v1', { id: 'r-1' }));
    await vi.advanceTimersByTimeAsync(0);
    expect([alerts.fetches.count, silences.fetches.count, routes.fetches.count]).toEqual([2, 2, 2]);
    [alerts, silences, routes].forEach((l) => l.unsubscribe());
  });
});
