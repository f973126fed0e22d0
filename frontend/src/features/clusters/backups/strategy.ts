// A cluster's backup strategy (GET/PUT/DELETE /api/v1/clusters/{cluster_id}/backup-strategy).
// The generated schema does not have these paths yet (the API was being built beside this page), so
// they are typed here, in openapi-typescript's shape, over the console's own client (CSRF, 401).
// Once `npm run gen:api` brings them, use Schemas['StrategyOut'] and `api` directly and drop these.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Client } from 'openapi-fetch';
import { api, ApiError, call } from '../../../api';

export interface Strategy {
  cluster_id: string;
  project_id: string;
  account_id: string;
  /** 5 fields, UTC. */
  cron: string;
  keep_count: number;
  keep_days: number | null;
  enabled: boolean;
  /** null while disabled. */
  next_run_at: string | null;
  last_run_at: string | null;
  last_backup_id: string | null;
  /** Why the last scheduled backup could not start; empty when it did. */
  last_error: string;
  updated_by: string;
  created_at: string;
  updated_at: string;
}

export interface StrategyPut {
  account_id: string;
  cron: string;
  keep_count: number;
  keep_days?: number | null;
  enabled: boolean;
}

type Path = { cluster_id: string };
type Json<T> = { headers: Record<string, unknown>; content: { 'application/json': T } };
interface StrategyPaths {
  '/api/v1/clusters/{cluster_id}/backup-strategy': {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get: { parameters: { path: Path }; requestBody?: never; responses: { 200: Json<Strategy> } };
    put: { parameters: { path: Path }; requestBody: { content: { 'application/json': StrategyPut } }; responses: { 200: Json<Strategy> } };
    delete: { parameters: { path: Path }; requestBody?: never; responses: { 204: { headers: Record<string, unknown>; content?: never } } };
  };
}
const strategyApi = api as unknown as Client<StrategyPaths>;
const PATH = '/api/v1/clusters/{cluster_id}/backup-strategy' as const;

export const strategyKey = (clusterId: string) => ['backup-strategy', clusterId] as const;

/** The strategy, or null while the cluster has none (the API's 404). */
export function useStrategy(clusterId: string) {
  return useQuery({
    queryKey: strategyKey(clusterId),
    queryFn: async (): Promise<Strategy | null> => {
      try {
        return await call(strategyApi.GET(PATH, { params: { path: { cluster_id: clusterId } } }));
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
    mutationFn: ({ clusterId, body }: { clusterId: string; body: StrategyPut }) =>
      call(strategyApi.PUT(PATH, { params: { path: { cluster_id: clusterId } }, body })),
    onSuccess: (strategy, { clusterId }) => queryClient.setQueryData(strategyKey(clusterId), strategy),
  });
}

export function useDeleteStrategy() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (clusterId: string) => call(strategyApi.DELETE(PATH, { params: { path: { cluster_id: clusterId } } })),
    onSuccess: (_r, clusterId) => queryClient.setQueryData(strategyKey(clusterId), null),
  });
}
