// A cluster's backup strategy (GET/PUT/DELETE /api/v1/clusters/{cluster_id}/backup-strategy): the
// account, cron (UTC), retention, enabled, and the next scheduled run. GET answers 404 while there is none.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, call, type Schemas } from '../../../api';
import { strategyKey } from './live';

export type Strategy = Schemas['StrategyOut'];
export type StrategyPut = Schemas['StrategyPut'];

const PATH = '/api/v1/clusters/{cluster_id}/backup-strategy' as const;
export { strategyKey };

/** The strategy, or null while the cluster has none (the API's 404). */
export function useStrategy(clusterId: string) {
  return useQuery({
    queryKey: strategyKey(clusterId),
    queryFn: async (): Promise<Strategy | null> => {
      try {
        return await call(api.GET(PATH, { params: { path: { cluster_id: clusterId } } }));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
  });
}

export function usePutStrategy() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ clusterId, body }: { clusterId: string; body: StrategyPut }) => call(api.PUT(PATH, { params: { path: { cluster_id: clusterId } }, body })),
    onSuccess: (strategy, { clusterId }) => queryClient.setQueryData(strategyKey(clusterId), strategy),
  });
}

export function useDeleteStrategy() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (clusterId: string) => call(api.DELETE(PATH, { params: { path: { cluster_id: clusterId } } })),
    onSuccess: (_r, clusterId) => queryClient.setQueryData(strategyKey(clusterId), null),
  });
}
