// Fixtures of the clusters tests: a cluster, an operation and its events as the API returns them.
import type { Cluster, Operation, OperationEvent } from './api';
import { PROJECT_ID } from '../../test/fixtures';

export const PHASES = ['base-system', 'container-runtime', 'masters', 'network'];

export function cluster(overrides: Partial<Cluster> = {}): Cluster {
  return {
    id: 'k-1',
    project_id: PROJECT_ID,
    name: 'prod-1',
    version: 'v1.29.3',
    arch: 'amd64',
    status: 'deploying',
    status_message: 'Deploying: phase masters.',
    spec: {
      topology: 'single',
      network: { plugin: 'calico', pod_cidr: '10.244.0.0/16', service_cidr: '10.96.0.0/12', proxy_mode: 'ipvs', dns_domain: 'cluster.local' },
      load_balancer: { mode: 'internal', vip: null, port: 8443 },
      ingress: { enabled: true },
      storage: { provisioner: 'none' },
      f5: { enabled: false },
      addons: { metrics_server: true, helm: true },
    },
    nodes: [
      { host_id: 'h-1', name: 'master-1', ip: '10.213.0.11', role: 'master', status: 'deploying' },
      { host_id: 'h-3', name: 'worker-1', ip: '10.213.0.13', role: 'worker', status: 'deploying' },
    ],
    current_operation_id: 'op-1',
    operation: { id: 'op-1', kind: 'deploy', status: 'running', phase: 'masters', phases_done: 2, phases_total: 4 },
    has_kubeconfig: true,
    created_by: 'u-1',
    created_at: '2026-01-03T00:00:00Z',
    updated_at: '2026-01-03T00:05:00Z',
    ...overrides,
  };
}

export function operation(overrides: Partial<Operation> = {}): Operation {
  return {
    id: 'op-1',
    project_id: PROJECT_ID,
    cluster_id: 'k-1',
    kind: 'deploy',
    status: 'running',
    created_by: 'u-1',
    cancel_requested: false,
    attempts: 1,
    started_at: '2026-01-03T00:00:00Z',
    ended_at: null,
    heartbeat_at: '2026-01-03T00:05:00Z',
    last_counter: 0,
    failure: null,
    phases: PHASES.map((name, position) => ({
      position,
      name,
      status: position < 2 ? 'succeeded' : position === 2 ? 'running' : 'pending',
      runs: position <= 2 ? 1 : 0,
      started_at: position <= 2 ? `2026-01-03T00:0${position * 2}:00Z` : null,
      ended_at: position < 2 ? `2026-01-03T00:0${position * 2 + 1}:30Z` : null,
      message: '',
    })),
    created_at: '2026-01-03T00:00:00Z',
    updated_at: '2026-01-03T00:05:00Z',
    ...overrides,
  };
}

export function event(counter: number, overrides: Partial<OperationEvent> = {}): OperationEvent {
  return {
    operation_id: 'op-1',
    counter,
    phase: 'masters',
    kind: 'task_result',
    status: 'ok',
    host: 'master-1',
    task: `Kubeadm | Step ${counter}`,
    changed: false,
    duration_ms: 120,
    excerpt: '',
    time: `2026-01-03T00:04:${String(counter % 60).padStart(2, '0')}Z`,
    ...overrides,
  };
}
