import type { Cluster } from '../api';

/** What `spec.provisioning` holds: the plan the cluster's VMs are made from (its workspace has the cluster's id). */
export interface ProvisioningSpec {
  plan_id: string;
  worker_count?: number | null;
}

/** The cluster's provisioning, or null for a cluster of chosen hosts. */
export function provisioningOf(cluster: Pick<Cluster, 'spec'>): ProvisioningSpec | null {
  const p = (cluster.spec as { provisioning?: ProvisioningSpec | null }).provisioning;
  return p?.plan_id ? p : null;
}
