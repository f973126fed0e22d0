import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { credentialListKey } from '../features/credentials/api';
import { meKey } from '../app/auth';
import { asReader, credential, PROJECT_ID } from '../test/fixtures';
import { liveStatusStore } from './status';
import { useProjectEvents } from './useProjectEvents';

class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static instances: FakeEventSource[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, ((e: MessageEvent) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }
  addEventListener(type: string, fn: (e: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close() {
    this.readyState = FakeEventSource.CLOSED;
  }
  open() {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.();
  }
  emitRaw(type: string, data: string) {
    this.listeners.get(type)?.forEach((fn) => fn(new MessageEvent(type, { data })));
  }
  emit(type: string, id: string, data: unknown) {
    const message = new MessageEvent(type, { data: JSON.stringify({ id: 'e', type, source: 's', time: '', data }), lastEventId: id });
    this.listeners.get(type)?.forEach((fn) => fn(message));
  }
  fail() {
    this.readyState = FakeEventSource.CLOSED;
    this.onerror?.();
  }
}

const key = credentialListKey({ projectId: PROJECT_ID, limit: 20, offset: 0 });

beforeEach(() => {
  FakeEventSource.instances = [];
  vi.stubGlobal('EventSource', FakeEventSource);
});
afterEach(() => vi.useRealTimers());

function setup() {
  const queryClient = new QueryClient();
  queryClient.setQueryData(key, { items: [credential()], total: 1, limit: 20, offset: 0 });
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
  const hook = renderHook(({ id }: { id: string | undefined }) => useProjectEvents(id), { wrapper, initialProps: { id: PROJECT_ID } });
  return { queryClient, hook };
}

test('applies the project events to the cache', () => {
  const { queryClient } = setup();
  const source = FakeEventSource.instances[0];
  expect(source.url).toBe(`/api/v1/live/projects/${PROJECT_ID}`);
  act(() => source.open());
  expect(liveStatusStore.get()).toBe('open');
  act(() => source.emit('kubeoperator.inventory.credential.deleted.v1', '7', { id: 'c-1' }));
  expect(queryClient.getQueryData<{ items: unknown[] }>(key)?.items).toEqual([]);
});

test('opening without a position refetches, to close the gap before the stream started', () => {
  const { queryClient } = setup();
  act(() => FakeEventSource.instances[0].open());
  expect(queryClient.getQueryState(key)?.isInvalidated).toBe(true);
});

test('a refused stream is reopened after the last event seen', () => {
  vi.useFakeTimers();
  setup();
  const first = FakeEventSource.instances[0];
  act(() => {
    first.open();
    first.emit('kubeoperator.inventory.credential.created.v1', '41', { id: 'c-9' });
    first.fail();
  });
  expect(liveStatusStore.get()).toBe('retrying');
  act(() => {
    vi.advanceTimersByTime(5000);
  });
  expect(FakeEventSource.instances).toHaveLength(2);
  expect(FakeEventSource.instances[1].url).toBe(`/api/v1/live/projects/${PROJECT_ID}?after=41`);
});

test('switching project closes the old stream', () => {
  const { hook } = setup();
  const first = FakeEventSource.instances[0];
  hook.rerender({ id: 'other' });
  expect(first.readyState).toBe(FakeEventSource.CLOSED);
  expect(FakeEventSource.instances[1].url).toBe('/api/v1/live/projects/other');
  hook.unmount();
  expect(liveStatusStore.get()).toBe('idle');
});

test('access revoked: the stream stays closed and who-am-I is refetched', () => {
  vi.useFakeTimers();
  const { queryClient } = setup();
  queryClient.setQueryData(meKey, asReader());
  const source = FakeEventSource.instances[0];
  act(() => {
    source.open();
    source.emitRaw('ko.access-revoked', '{"error":"access_revoked","detail":"gone"}');
  });
  expect(source.readyState).toBe(FakeEventSource.CLOSED);
  expect(liveStatusStore.get()).toBe('revoked');
  expect(queryClient.getQueryState(meKey)?.isInvalidated).toBe(true);
  act(() => {
    vi.advanceTimersByTime(30_000);
  });
  expect(FakeEventSource.instances).toHaveLength(1);
});
