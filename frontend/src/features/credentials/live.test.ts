import { QueryClient } from '@tanstack/react-query';
import { expect, test } from 'vitest';
import type { Events } from '../../live/events';
import { liveEvent } from '../../test/events';
import { credential, PROJECT_ID } from '../../test/fixtures';
import { credentialListKey } from './api';
import { credentialHandlers } from './live';

const key = credentialListKey({ projectId: PROJECT_ID, limit: 20, offset: 0 });

function event<V extends 'created' | 'updated' | 'deleted'>(verb: V, data: Partial<Events[`kubeoperator.inventory.credential.${V}.v1`]>) {
  return liveEvent(`kubeoperator.inventory.credential.${verb}.v1` as const, data, { source: 'ko/inventory', projectid: PROJECT_ID });
}

function seeded() {
  const queryClient = new QueryClient();
  queryClient.setQueryData(key, { items: [credential(), credential({ id: 'c-2', name: 'other' })], total: 2, limit: 20, offset: 0 });
  return queryClient;
}

test('a deletion removes the credential from the cached lists at once', () => {
  const queryClient = seeded();
  credentialHandlers['kubeoperator.inventory.credential.deleted.v1'](queryClient, event('deleted', { id: 'c-1' }));
  const page = queryClient.getQueryData<{ items: { id: string }[]; total: number }>(key);
  expect(page?.items.map((c) => c.id)).toEqual(['c-2']);
  expect(page?.total).toBe(1);
});

test('a creation marks the lists stale so they refetch', () => {
  const queryClient = seeded();
  credentialHandlers['kubeoperator.inventory.credential.created.v1'](queryClient, event('created', { id: 'c-3', name: 'new' }));
  expect(queryClient.getQueryState(key)?.isInvalidated).toBe(true);
});

test('an update patches what the event carries', () => {
  const queryClient = seeded();
  credentialHandlers['kubeoperator.inventory.credential.updated.v1'](queryClient, event('updated', { id: 'c-1', name: 'renamed', username: 'ubuntu' }));
  const page = queryClient.getQueryData<{ items: { id: string; name: string; username: string }[] }>(key);
  expect(page?.items[0]).toMatchObject({ id: 'c-1', name: 'renamed', username: 'ubuntu' });
});
