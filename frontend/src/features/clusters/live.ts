// Live cluster and operation events of the project stream → the clusters and operations caches.
// A cluster event carries its status (patched in at once); the operation's progress is not in it,
// so the lists refetch too, once per burst (a deploy sends an event per phase).
import type { QueryClient } from '@tanstack/react-query';
import type { Schemas } from '../../api';
import { on, type Envelope, type LiveHandler } from '../../live/events';

type Cluster = Schemas['ClusterOut'];
type Page = Schemas['Page_ClusterOut_'];
type ClusterEvent = Envelope<'kubeoperator.deployment.cluster.updated.v1'>['data'];
const OPERATION_EVENTS = [
  'kubeoperator.deployment.operation.queued.v1',
  'kubeoperator.deployment.operation.started.v1',
  'kubeoperator.deployment.operation.succeeded.v1',
  'kubeoperator.deployment.operation.failed.v1',
  'kubeoperator.deployment.operation.cancelled.v1',
] as const;
type OperationSummary = Partial<Envelope<(typeof OPERATION_EVENTS)[number]>['data']>;

export const clustersKey = ['clusters'] as const;
export const operationsKey = ['operations'] as const;
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

const clusterChanged: LiveHandler<'kubeoperator.deployment.cluster.created.v1' | 'kubeoperator.deployment.cluster.updated.v1'> = (
  queryClient,
  event,
) => {
  const data = event.data as Partial<ClusterEvent>;
  if (data.id) {
    queryClient.setQueriesData<Page>({ queryKey: [...clustersKey, 'list'] }, (page) =>
      page && { ...page, items: page.items.map((c) => (c.id === data.id ? patch(c, data) : c)) },
    );
    queryClient.setQueryData<Cluster>([...clustersKey, 'detail', data.id], (c) => c && patch(c, data));
  }
  refetchSoon(queryClient);
};

// The operation's status in the clusters' caches too: the cluster's tag reads it (a cancelled deploy
// leaves the cluster `failed`, shown as cancelled), and its event comes before the cluster's.
function patchOperation(cluster: Cluster, id: string, status: NonNullable<OperationSummary['status']>): Cluster {
  return cluster.operation?.id === id ? { ...cluster, operation: { ...cluster.operation, status } } : cluster;
}

const operationChanged: LiveHandler<(typeof OPERATION_EVENTS)[number]> = (queryClient, event) => {
  const data = event.data as OperationSummary;
  const { id, status } = data;
  if (id && status) {
    queryClient.setQueryData<Schemas['OperationOut']>([...operationsKey, 'detail', id], (op) => op && { ...op, status });
    queryClient.setQueriesData<Page>({ queryKey: [...clustersKey, 'list'] }, (page) =>
      page && { ...page, items: page.items.map((c) => patchOperation(c, id, status)) },
    );
    if (data.cluster_id) {
      queryClient.setQueryData<Cluster>([...clustersKey, 'detail', data.cluster_id], (c) => c && patchOperation(c, id, status));
    }
  }
  refetchSoon(queryClient);
};

const clusterDeleted: LiveHandler<'kubeoperator.deployment.cluster.deleted.v1'> = (queryClient, event) => {
  const id = event.data.id ?? event.subject ?? '';
  queryClient.setQueriesData<Page>({ queryKey: [...clustersKey, 'list'] }, (page) => {
    if (!page || !page.items.some((c) => c.id === id)) return page;
    return { ...page, items: page.items.filter((c) => c.id !== id), total: Math.max(0, page.total - 1) };
  });
  refetchSoon(queryClient);
};

export const clusterHandlers = {
  ...on(['kubeoperator.deployment.cluster.created.v1', 'kubeoperator.deployment.cluster.updated.v1'], clusterChanged),
  ...on(['kubeoperator.deployment.cluster.deleted.v1'], clusterDeleted),
  ...on(OPERATION_EVENTS, operationChanged),
};
