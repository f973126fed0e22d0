// Fixtures of the workspaces tests: a workspace and its VMs as the API returns them. The default
// workspace is cluster k-1's (made for it, so it has its id and its name).
import { PROJECT_ID } from '../../test/fixtures';
import type { Vm, Workspace } from './api';

export function vm(overrides: Partial<Vm> = {}): Vm {
  return {
    name: 'prod-1-master-1',
    role: 'master',
    zone_id: 'z-1',
    zone_name: 'zone-a',
    pool_id: 'ip-1',
    address: '10.213.0.21',
    provider_id: 'vm-1021',
    host_id: 'h-21',
    status: 'registered',
    ...overrides,
  };
}

export function workspace(overrides: Partial<Workspace> = {}): Workspace {
  return {
    id: 'k-1',
    project_id: PROJECT_ID,
    name: 'prod-1',
    plan_id: 'pl-1',
    region_id: 'r-1',
    provider: 'vsphere',
    worker_count: 1,
    status: 'provisioning',
    cluster_id: 'k-1',
    message: 'Creating 2 VM(s).',
    operation_id: 'wop-1',
    operation: null,
    vms: [
      vm(),
      vm({ name: 'prod-1-worker-1', role: 'worker', zone_id: 'z-2', zone_name: 'zone-b', address: '10.213.0.22', provider_id: null, host_id: null, status: 'planned' }),
    ],
    created_at: '2026-01-03T00:00:00Z',
    updated_at: '2026-01-03T00:01:00Z',
    ...overrides,
  };
}
