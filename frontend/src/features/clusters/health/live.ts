// Live health changes → the health caches: the event carries the whole verdict, so the cluster's own
// health is replaced at once and the project's list patched (read again when the cluster is new to it).
import { on } from '../../../live/events';
import { healthDetailKey, healthKey, type ClusterHealth } from './api';

export const healthHandlers = on(['kubeoperator.observability.cluster.health-changed.v1'], (queryClient, event) => {
  const d = event.data;
  if (!d.cluster_id) return;
  const health: ClusterHealth = {
    cluster_id: d.cluster_id,
    project_id: d.project_id,
    name: d.name,
    cluster_status: d.cluster_status,
    state: d.state,
    reasons: d.reasons ?? [],
    findings: d.findings ?? [],
    checked_at: d.checked_at ?? null,
    unreachable_since: d.unreachable_since ?? null,
    latency_ms: d.latency_ms ?? null,
    nodes_ready: d.nodes_ready ?? null,
    nodes_total: d.nodes_total ?? null,
    certificates_expire_at: d.certificates_expire_at ?? null,
    last_backup_at: d.last_backup_at ?? null,
  };
  queryClient.setQueryData(healthDetailKey(d.cluster_id), health);
  let known = false;
  queryClient.setQueriesData<Map<string, ClusterHealth>>({ queryKey: [...healthKey, 'list'] }, (map) => {
    if (!map?.has(d.cluster_id)) return map;
    known = true;
    return new Map(map).set(d.cluster_id, health);
  });
  if (!known) void queryClient.invalidateQueries({ queryKey: [...healthKey, 'list'] });
});
