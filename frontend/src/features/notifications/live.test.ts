import { QueryClient } from '@tanstack/react-query';
import { expect, test } from 'vitest';
import { liveHandlers } from '../../live/handlers';
import { liveEvent } from '../../test/events';
import { PROJECT_ID } from '../../test/fixtures';
import { channelsKey, deliveriesKey } from './live';

const listKey = [...channelsKey, 'list', { projectId: PROJECT_ID, limit: 20, offset: 0 }];
const historyKey = [...deliveriesKey('ch-1'), { limit: 20, offset: 0 }];

function seeded() {
  const queryClient = new QueryClient();
  queryClient.setQueryData(listKey, { items: [], total: 0, limit: 20, offset: 0 });
  queryClient.setQueryData(historyKey, { items: [], total: 0, limit: 20, offset: 0 });
  return queryClient;
}

test('a channel changed elsewhere makes the lists refetch', () => {
  const queryClient = seeded();
  liveHandlers['kubeoperator.observability.channel.updated.v1']?.(
    queryClient,
    liveEvent('kubeoperator.observability.channel.updated.v1', { id: 'ch-1', name: 'ops' }, { projectid: PROJECT_ID }),
  );
  expect(queryClient.getQueryState(listKey)?.isInvalidated).toBe(true);
  expect(queryClient.getQueryState(historyKey)?.isInvalidated).toBe(false);
});

test('a failed delivery refetches its channel’s history', () => {
  const queryClient = seeded();
  liveHandlers['kubeoperator.observability.delivery.failed.v1']?.(
    queryClient,
    liveEvent('kubeoperator.observability.delivery.failed.v1', { id: 'd-1', channel_id: 'ch-1' }, { projectid: PROJECT_ID }),
  );
  expect(queryClient.getQueryState(historyKey)?.isInvalidated).toBe(true);
});
