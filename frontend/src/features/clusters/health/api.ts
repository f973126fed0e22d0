// A cluster's health as the observability service last judged it, one cluster or a project's at once.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, ApiError, call, type Schemas } from '../../../api';

export type ClusterHealth = Schemas['ClusterHealthOut'];
export type HealthState = ClusterHealth['state'];

export const healthKey = ['cluster-health'] as const;
export const healthDetailKey = (clusterId: string) => [...healthKey, 'detail', clusterId] as const;
export const healthListKey = (projectId: string | undefined) => [...healthKey, 'list', projectId ?? ''] as const;
/** The most a page of the health list holds: the clusters list reads it once, not once per cluster. */
export const HEALTH_LIST_LIMIT = 500;

/** One cluster's health; null while the observability service has not heard of it yet (its 404). */
export function useClusterHealth(clusterId: string) {
  return useQuery({
    queryKey: healthDetailKey(clusterId),
    queryFn: async (): Promise<ClusterHealth | null> => {
      try {
        return await call(api.GET('/api/v1/clusters/{cluster_id}/health', { params: { path: { cluster_id: clusterId } } }));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
    // Live events say when the verdict changes; this keeps "last checked" current between them.
    refetchInterval: 30_000,
  });
}

/** The health of a project's clusters by cluster id, in one call (a cluster missing from it: unknown). */
export function useProjectHealth(projectId: string | undefined, enabled = true) {
  return useQuery({
    queryKey: healthListKey(projectId),
    queryFn: async () => {
      const page = await call(api.GET('/api/v1/cluster-health', { params: { query: { project_id: projectId, limit: HEALTH_LIST_LIMIT, offset: 0 } } }));
      return new Map(page.items.map((h) => [h.cluster_id, h]));
    },
    placeholderData: keepPreviousData,
    enabled: enabled && !!projectId,
  });
}
