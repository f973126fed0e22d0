// Kubernetes events as the observability service stored them: one cluster's, or a project's clusters'.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, call, type Schemas } from '../../api';
import { kubeEventsListKey, type KubeEventsQuery } from './live';

export type KubeEvent = Schemas['KubeEventOut'];
export const EVENT_TYPES = ['Normal', 'Warning'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** Normal events come with no live event: a list shown on screen reads them again this often. */
export const POLL_MS = 30_000;

export function useKubeEvents(query: KubeEventsQuery, enabled = true) {
  return useQuery({
    queryKey: kubeEventsListKey(query),
    queryFn: () =>
      call(
        api.GET('/api/v1/cluster-events', {
          params: {
            query: {
              project_id: query.clusterId ? undefined : query.projectId,
              cluster_id: query.clusterId,
              namespace: query.namespace,
              kind: query.kind,
              reason: query.reason,
              type: query.type,
              q: query.q,
              limit: query.limit,
              offset: query.offset,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
    // Paused by TanStack Query while the page is hidden (refetchIntervalInBackground is false).
    refetchInterval: POLL_MS,
    enabled,
  });
}
