import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call, type Schemas } from '../../api';
import { clustersKey, operationsKey } from './live';

export type Cluster = Schemas['ClusterOut'];
export type ClusterStatus = Cluster['status'];
export type ClusterCreate = Schemas['ClusterCreate'];
export type OperationRef = Schemas['OperationRef'];
export type Operation = Schemas['OperationOut'];
export type OperationStatus = Operation['status'];
export type Phase = Schemas['PhaseOut'];
export type OperationEvent = Schemas['OperationEventOut'];
export type KubernetesVersion = Schemas['KubernetesVersion'];
export type WorkersAdd = Schemas['WorkersAdd'];
export type MastersAdd = Schemas['MastersAdd'];
export type UpgradeRequest = Schemas['UpgradeRequest'];
export type Node = Cluster['nodes'][number];
export type Certificates = Schemas['CertificatesOut'];
export type Certificate = Schemas['CertificateOut'];

export const CLUSTER_STATUSES: ClusterStatus[] = ['waiting', 'deploying', 'running', 'failed', 'upgrading', 'scaling', 'terminating', 'lost'];

export const clusterListKey = (projectId: string | undefined, offset: number, limit: number) =>
  [...clustersKey, 'list', { projectId, offset, limit }] as const;
export const clusterKey = (id: string) => [...clustersKey, 'detail', id] as const;
export const operationListKey = (clusterId: string) => [...operationsKey, 'list', clusterId] as const;
export const operationKey = (id: string) => [...operationsKey, 'detail', id] as const;
export const versionsKey = ['versions'] as const;

/** Rows per page of the clusters list (its first page is fetched before the first render, boot.ts). */
export const CLUSTER_PAGE_SIZE = 20;

export const clustersQuery = (projectId: string | undefined, offset: number, limit: number) => ({
  queryKey: clusterListKey(projectId, offset, limit),
  queryFn: () => call(api.GET('/api/v1/clusters', { params: { query: { project_id: projectId, limit, offset } } })),
});

export function useClusters(projectId: string | undefined, offset: number, limit: number) {
  return useQuery({ ...clustersQuery(projectId, offset, limit), placeholderData: keepPreviousData, enabled: !!projectId });
}

export function useCluster(id: string | undefined) {
  return useQuery({
    queryKey: clusterKey(id ?? ''),
    queryFn: () => call(api.GET('/api/v1/clusters/{cluster_id}', { params: { path: { cluster_id: id ?? '' } } })),
    enabled: !!id,
  });
}

export function useVersions(enabled = true) {
  return useQuery({
    queryKey: versionsKey,
    queryFn: () => call(api.GET('/api/v1/versions')),
    enabled,
  });
}

export function useOperations(clusterId: string | undefined) {
  return useQuery({
    queryKey: operationListKey(clusterId ?? ''),
    queryFn: () => call(api.GET('/api/v1/operations', { params: { query: { cluster_id: clusterId, limit: 100 } } })),
    enabled: !!clusterId,
  });
}

export function useOperation(id: string | undefined) {
  return useQuery({
    queryKey: operationKey(id ?? ''),
    queryFn: () => call(api.GET('/api/v1/operations/{operation_id}', { params: { path: { operation_id: id ?? '' } } })),
    enabled: !!id,
  });
}

export function useCreateCluster() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ClusterCreate) => call(api.POST('/api/v1/clusters', { body })),
    onSuccess: (cluster) => {
      queryClient.setQueryData(clusterKey(cluster.id), cluster);
      void queryClient.invalidateQueries({ queryKey: ['hosts'] });
      return queryClient.invalidateQueries({ queryKey: [...clustersKey, 'list'] });
    },
  });
}

/**
 * DELETE a cluster: 202 with the cluster and its `reset` operation (the hosts are reset, then it goes),
 * or 204 when `force` forgot it at once (undefined).
 */
export function useDeleteCluster() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, force }: { id: string; force: boolean }) =>
      (await call(
        api.DELETE('/api/v1/clusters/{cluster_id}', { params: { path: { cluster_id: id }, query: force ? { force: true } : {} } }),
      )) as Cluster | undefined,
    onSuccess: (cluster, { id }) => {
      if (cluster) queryClient.setQueryData(clusterKey(id), cluster);
      else queryClient.removeQueries({ queryKey: clusterKey(id) });
      void queryClient.invalidateQueries({ queryKey: ['hosts'] });
      void queryClient.invalidateQueries({ queryKey: operationsKey });
      return queryClient.invalidateQueries({ queryKey: [...clustersKey, 'list'] });
    },
  });
}

/** After a change of the nodes or the version (202): the cluster as answered, its hosts and operations refetched. */
function useWorkersMutation<V>(fn: (vars: V) => Promise<Cluster>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: (cluster) => {
      queryClient.setQueryData(clusterKey(cluster.id), cluster);
      void queryClient.invalidateQueries({ queryKey: ['hosts'] });
      void queryClient.invalidateQueries({ queryKey: operationsKey });
      return queryClient.invalidateQueries({ queryKey: [...clustersKey, 'list'] });
    },
  });
}

/** POST workers: the hosts join as `joining` nodes; the answer carries the queued `add-workers` operation. */
export const useAddWorkers = () =>
  useWorkersMutation(({ id, body }: { id: string; body: WorkersAdd }) =>
    call(api.POST('/api/v1/clusters/{cluster_id}/workers', { params: { path: { cluster_id: id } }, body })),
  );

/** DELETE one worker by its node name: it shows `removing`; the answer carries the `remove-workers` operation. */
export const useRemoveWorker = () =>
  useWorkersMutation(({ id, node, force }: { id: string; node: string; force: boolean }) =>
    call(
      api.DELETE('/api/v1/clusters/{cluster_id}/workers/{node}', {
        params: { path: { cluster_id: id, node }, query: force ? { force: true } : {} },
      }),
    ),
  );

/** POST rebuild of one worker: it shows `rebuilding`; the answer carries the `rebuild-worker` operation. */
export const useRebuildWorker = () =>
  useWorkersMutation(({ id, node }: { id: string; node: string }) =>
    call(api.POST('/api/v1/clusters/{cluster_id}/workers/{node}/rebuild', { params: { path: { cluster_id: id, node } } })),
  );

/** POST masters: the hosts join as `joining` masters; the answer carries the queued `add-masters` operation. */
export const useAddMasters = () =>
  useWorkersMutation(({ id, body }: { id: string; body: MastersAdd }) =>
    call(api.POST('/api/v1/clusters/{cluster_id}/masters', { params: { path: { cluster_id: id } }, body })),
  );

/** DELETE one master by its node name (409 when etcd would lose its quorum); the answer carries `remove-masters`. */
export const useRemoveMaster = () =>
  useWorkersMutation(({ id, node, force }: { id: string; node: string; force: boolean }) =>
    call(
      api.DELETE('/api/v1/clusters/{cluster_id}/masters/{node}', {
        params: { path: { cluster_id: id, node }, query: force ? { force: true } : {} },
      }),
    ),
  );

/** POST upgrade to a version (422 `version` when no path leads there); the answer carries the `upgrade` operation. */
export const useUpgradeCluster = () =>
  useWorkersMutation(({ id, body }: { id: string; body: UpgradeRequest }) =>
    call(api.POST('/api/v1/clusters/{cluster_id}/upgrade', { params: { path: { cluster_id: id } }, body })),
  );

export const certificatesKey = (clusterId: string) => ['certificates', clusterId] as const;

/** The certificates as the last check read them (`checked_at` null: never checked). */
export function useCertificates(clusterId: string) {
  return useQuery({
    queryKey: certificatesKey(clusterId),
    queryFn: () => call(api.GET('/api/v1/clusters/{cluster_id}/certificates', { params: { path: { cluster_id: clusterId } } })),
  });
}

/** POST check or renew: 202 with the cluster carrying the queued `check-certificates`/`renew-certificates` operation. */
export function useCertificatesAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: 'check' | 'renew' }) =>
      call(
        action === 'check'
          ? api.POST('/api/v1/clusters/{cluster_id}/certificates/check', { params: { path: { cluster_id: id } } })
          : api.POST('/api/v1/clusters/{cluster_id}/certificates/renew', { params: { path: { cluster_id: id } } }),
      ),
    onSuccess: (cluster) => {
      queryClient.setQueryData(clusterKey(cluster.id), cluster);
      void queryClient.invalidateQueries({ queryKey: operationsKey });
      return queryClient.invalidateQueries({ queryKey: [...clustersKey, 'list'] });
    },
  });
}

function useOperationAction(action: 'retry' | 'cancel') {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      call(
        action === 'retry'
          ? api.POST('/api/v1/operations/{operation_id}/retry', { params: { path: { operation_id: id } } })
          : api.POST('/api/v1/operations/{operation_id}/cancel', { params: { path: { operation_id: id } } }),
      ),
    onSuccess: (op) => {
      queryClient.setQueryData(operationKey(op.id), op);
      void queryClient.invalidateQueries({ queryKey: operationsKey });
      return queryClient.invalidateQueries({ queryKey: clustersKey });
    },
  });
}

export const useRetryOperation = () => useOperationAction('retry');
export const useCancelOperation = () => useOperationAction('cancel');

/** Saves text as a file in the browser. */
export function saveText(text: string, fileName: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Fetches the kubeconfig (YAML, not JSON) and saves it under the name the server gives. */
export async function downloadKubeconfig(cluster: Pick<Cluster, 'id' | 'name'>): Promise<void> {
  let name = `${cluster.name}-kubeconfig.yaml`;
  const text = await call(
    api
      .GET('/api/v1/clusters/{cluster_id}/kubeconfig', { params: { path: { cluster_id: cluster.id } }, parseAs: 'text' })
      .then((result) => {
        const disposition = result.response.headers.get('content-disposition') ?? '';
        name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? name;
        return result;
      }),
  );
  saveText(String(text), name, 'application/yaml');
}
