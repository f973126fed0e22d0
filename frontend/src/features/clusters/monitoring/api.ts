// Queries and mutations of a cluster's monitoring tab: the add-on (deployment service) and the
// figures (observability service, from the cluster's Prometheus).
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call, type Schemas } from '../../../api';
import { clusterKey } from '../api';
import { clustersKey, operationsKey } from '../live';
import type { MonitoringPut, Summary } from './monitoring';

export type MonitoringOut = Schemas['MonitoringOut'];

// Under the cluster's key: the live cluster and operation events refetch it, so `installed` follows
// the operation's end without a poll.
export const monitoringKey = (clusterId: string) => [...clusterKey(clusterId), 'monitoring'] as const;
export const summaryKey = (clusterId: string) => ['monitoring-summary', clusterId] as const;

const clusterPath = (clusterId: string) => ({ path: { cluster_id: clusterId } });

/** The browser opens Grafana here in a new tab: the session cookie goes with it, the gateway checks the project. */
export const grafanaUrl = (clusterId: string) => `/api/v1/clusters/${encodeURIComponent(clusterId)}/monitoring/grafana/`;

export function useMonitoring(clusterId: string) {
  return useQuery({
    queryKey: monitoringKey(clusterId),
    queryFn: () => call(api.GET('/api/v1/clusters/{cluster_id}/addons/monitoring', { params: clusterPath(clusterId) })),
  });
}

/** The figures of the last `minutes`, read again every 30 s while `live` (the tab on screen). */
export function useMonitoringSummary(clusterId: string, minutes: number, step: number, live: boolean) {
  return useQuery({
    queryKey: [...summaryKey(clusterId), { minutes, step }],
    // openapi-fetch widens the points' [time, value] tuples to number[]: the schema's type is the truth.
    queryFn: async () =>
      (await call(api.GET('/api/v1/clusters/{cluster_id}/monitoring/summary', { params: { ...clusterPath(clusterId), query: { minutes, step } } }))) as Summary,
    placeholderData: keepPreviousData,
    refetchInterval: live ? 30_000 : false,
    // A missing stack is an answer, not a hiccup: asking again would only delay the install panel.
    retry: false,
  });
}

/** After a PUT or DELETE (202): the add-on as answered; the cluster (its current operation) and the operations read again. */
function useMonitoringChange<V>(fn: (vars: V) => Promise<MonitoringOut>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: (out, vars) => {
      const clusterId = (vars as { clusterId: string }).clusterId;
      queryClient.setQueryData(monitoringKey(clusterId), out);
      void queryClient.invalidateQueries({ queryKey: clusterKey(clusterId), exact: true });
      void queryClient.invalidateQueries({ queryKey: operationsKey });
      return queryClient.invalidateQueries({ queryKey: [...clustersKey, 'list'] });
    },
  });
}

/** PUT: install, or change to these settings (`confirm`: the cluster's name when the change deletes data). */
export const usePutMonitoring = () =>
  useMonitoringChange(({ clusterId, body }: { clusterId: string; body: MonitoringPut }) =>
    call(api.PUT('/api/v1/clusters/{cluster_id}/addons/monitoring', { params: clusterPath(clusterId), body })),
  );

/** DELETE: the releases and their namespace go, with the metrics and logs. */
export const useDeleteMonitoring = () =>
  useMonitoringChange(({ clusterId }: { clusterId: string }) =>
    call(api.DELETE('/api/v1/clusters/{cluster_id}/addons/monitoring', { params: clusterPath(clusterId) })),
  );
