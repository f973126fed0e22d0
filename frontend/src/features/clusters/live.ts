// Live cluster and operation events of the project stream → the clusters and operations caches.
// A cluster event carries its status (patched in at once); the operation's progress is not in it,
// so the lists refetch too, once per burst (a deploy sends an event per phase).
import type { QueryClient } from '@tanstack/react-query';
import type { Schemas } from '../../api';
import type { Envelope, LiveHandler } from '../../live/events';

type Cluster = Schemas['ClusterOut'];
type Page = Schemas['Page_ClusterOut_'];
type ClusterEvent = Pick<Cluster, 'id' | 'name' | 'version' | 'status' | 'status_message' | 'current_operation_id'>;
type OperationSummary = { id?: string; cluster_id?: string; status?: Schemas['OperationOut']['status'] };

export const clustersKey = ['clusters'] as const;
export const operationsKey = ['operations'] as const;
const CLUSTER = 'kubeoperator.deployment.cluster.';
const OPERATION = 'kubeoperator.deployment.operation.';
const BATCH_MS = 300;

const pending = new WeakMap<QueryClient, ReturnType<typeof setTimeout>>();

function refetchSoon(queryClient: QueryClient): void {
  if (pending.has(queryClient)) return;
  pending.set(
    queryClient,
    setTimeout(() => {
      pending.delete(queryClient);
      void queryClient.invalidateQueries({ queryKey: clustersKey });
      void queryClient.invalidateQueries({ queryKey: operationsKey });
    }, BATCH_MS),
  );
}

function patch(cluster: Cluster, data: Partial<ClusterEvent>): Cluster {
  return {
    ...cluster,
    status: data.status ?? cluster.status,
    status_message: data.status_message ?? cluster.status_message,
    version: data.version ?? cluster.version,
    current_operation_id: data.current_operation_id !== undefined ? data.current_operation_id : cluster.current_operation_id,
  };
}

const clusterChanged: LiveHandler = (queryClient, event: Envelope) => {
  const data = event.data as Partial<ClusterEvent>;
  if (data.id) {
    queryClient.setQueriesData<Page>({ queryKey: [...clustersKey, 'list'] }, (page) =>
      page && { ...page, items: page.items.map((c) => (c.id === data.id ? patch(c, data) : c)) },
    );
    queryClient.setQueryData<Cluster>([...clustersKey, 'detail', data.id], (c) => c && patch(c, data));
  }
  refetchSoon(queryClient);
};

const operationChanged: LiveHandler = (queryClient, event: Envelope) => {
  const data = event.data as OperationSummary;
  if (data.id && data.status) {
    queryClient.setQueryData<Schemas['OperationOut']>([...operationsKey, 'detail', data.id], (op) =>
      op && { ...op, status: data.status ?? op.status },
    );
  }
  refetchSoon(queryClient);
};

const clusterDeleted: LiveHandler = (queryClient, event: Envelope) => {
  const id = (event.data.id as string | undefined) ?? event.subject ?? '';
  queryClient.setQueriesData<Page>({ queryKey: [...clustersKey, 'list'] }, (page) => {
    if (!page || !page.items.some((c) => c.id === id)) return page;
    return { ...page, items: page.items.filter((c) => c.id !== id), total: Math.max(0, page.total - 1) };
  });
  refetchSoon(queryClient);
};

export const clusterHandlers: Record<string, LiveHandler> = {
  [`${CLUSTER}created.v1`]: clusterChanged,
  [`${CLUSTER}updated.v1`]: clusterChanged,
  [`${CLUSTER}deleted.v1`]: clusterDeleted,
  ...Object.fromEntries(
    ['queued', 'started', 'succeeded', 'failed', 'cancelled'].map((kind) => [`${OPERATION}${kind}.v1`, operationChanged]),
  ),
};
