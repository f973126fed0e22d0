import { QueryClient } from '@tanstack/react-query';
import { afterEach, expect, test, vi } from 'vitest';
import type { Events } from '../../live/events';
import { liveEvent } from '../../test/events';
import { host, PROJECT_ID } from '../../test/fixtures';
import { hostKey, hostListKey } from './api';
import { hostHandlers } from './live';

const key = hostListKey({ projectId: PROJECT_ID, limit: 20, offset: 0 });
type Page = { items: ReturnType<typeof host>[]; total: number };

function event<V extends 'registered' | 'checked' | 'updated' | 'deleted'>(verb: V, data: Partial<Events[`kubeoperator.inventory.host.${V}.v1`]>) {
  return liveEvent(`kubeoperator.inventory.host.${verb}.v1` as const, data, { source: 'ko/inventory', projectid: PROJECT_ID });
}

function seeded() {
  const queryClient = new QueryClient();
  queryClient.setQueryData(key, { items: [host(), host({ id: 'h-2', name: 'worker-1' })], total: 2, limit: 20, offset: 0 });
  queryClient.setQueryData(hostKey('h-1'), host());
  return queryClient;
}

afterEach(() => vi.useRealTimers());

test('a check patches the status in the lists and the detail at once, then refetches once for a burst', () => {
  vi.useFakeTimers();
  const queryClient = seeded();
  const handle = hostHandlers['kubeoperator.inventory.host.checked.v1'];
  handle(queryClient, event('checked', { id: 'h-1', status: 'unreachable', status_message: 'Connection refused.' }));
  handle(queryClient, event('checked', { id: 'h-2', status: 'ready', status_message: 'ok' }));
  expect(queryClient.getQueryData<Page>(key)?.items[0]).toMatchObject({ status: 'unreachable', status_message: 'Connection refused.' });
  expect(queryClient.getQueryData<ReturnType<typeof host>>(hostKey('h-1'))?.status).toBe('unreachable');
  expect(queryClient.getQueryState(key)?.isInvalidated).toBe(false);
  const invalidate = vi.spyOn(queryClient, 'invalidateQueries');
  vi.advanceTimersByTime(400);
  expect(invalidate).toHaveBeenCalledTimes(1);
  expect(queryClient.getQueryState(key)?.isInvalidated).toBe(true);
});

test('a deletion removes the host from the cached lists', () => {
  const queryClient = seeded();
  hostHandlers['kubeoperator.inventory.host.deleted.v1'](queryClient, event('deleted', { id: 'h-1' }));
  const page = queryClient.getQueryData<Page>(key);
  expect(page?.items.map((h) => h.id)).toEqual(['h-2']);
  expect(page?.total).toBe(1);
  expect(queryClient.getQueryData(hostKey('h-1'))).toBeUndefined();
});

test('a registration refetches the lists', () => {
  vi.useFakeTimers();
  const queryClient = seeded();
  hostHandlers['kubeoperator.inventory.host.registered.v1'](queryClient, event('registered', { id: 'h-3', name: 'new' }));
  vi.advanceTimersByTime(400);
  expect(queryClient.getQueryState(key)?.isInvalidated).toBe(true);
});
