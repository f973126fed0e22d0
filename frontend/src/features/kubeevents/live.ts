// Live Warning events → the events lists. A warning carries most of a row but not its id or first
// seen time, and a list's page and total shift with it, so the lists that may show it refetch.
// A crash-looping workload sends warnings in bursts: a list refetches at once, then at most once a
// second while they keep coming (the ones of the pause all in that one refetch, none forgotten).
// Normal events have no live event: the lists poll for them (api.ts).
import type { QueryClient } from '@tanstack/react-query';
import { on, type Envelope } from '../../live/events';

export const kubeEventsKey = ['cluster-events'] as const;
export const THROTTLE_MS = 1000;

/** What a list asks for: its query key's last part. */
export interface KubeEventsQuery {
  projectId?: string;
  clusterId?: string;
  namespace?: string;
  kind?: string;
  reason?: string;
  type?: 'Normal' | 'Warning';
  q?: string;
  limit: number;
  offset: number;
}

export const kubeEventsListKey = (query: KubeEventsQuery) => [...kubeEventsKey, 'list', query] as const;

type Warning = Envelope<'kubeoperator.observability.kube-event.warning.v1'>['data'];

/** Whether a list asking for `query` may show `w` (the text search is the server's: assumed it may). */
export function mayShow(query: KubeEventsQuery, w: Warning): boolean {
  const differs = (want: string | undefined, have: string | undefined) => want !== undefined && want !== have;
  return !(
    differs(query.projectId, w.project_id) ||
    differs(query.clusterId, w.cluster_id) ||
    differs(query.namespace, w.namespace) ||
    differs(query.kind, w.kind) ||
    differs(query.reason, w.reason) ||
    query.type === 'Normal'
  );
}

function refetch(queryClient: QueryClient, warnings: Warning[]): void {
  void queryClient.invalidateQueries({
    queryKey: [...kubeEventsKey, 'list'],
    predicate: (query) => {
      const asked = query.queryKey[2] as KubeEventsQuery | undefined;
      return !!asked && warnings.some((w) => mayShow(asked, w));
    },
  });
}

// Per query client (one in the console, one per test): the warnings that came while cooling down.
const cooling = new WeakMap<QueryClient, Warning[]>();

function cool(queryClient: QueryClient): void {
  cooling.set(queryClient, []);
  setTimeout(() => {
    const waiting = cooling.get(queryClient) ?? [];
    cooling.delete(queryClient);
    if (waiting.length) {
      refetch(queryClient, waiting);
      cool(queryClient);
    }
  }, THROTTLE_MS);
}

export const kubeEventHandlers = on(['kubeoperator.observability.kube-event.warning.v1'], (queryClient, event) => {
  const waiting = cooling.get(queryClient);
  if (waiting) {
    waiting.push(event.data);
    return;
  }
  refetch(queryClient, [event.data]);
  cool(queryClient);
});
