import type { Schemas } from '../api';

export const PROJECT_ID = 'p-default';

export function me(overrides: Partial<Schemas['MeOut']> = {}): Schemas['MeOut'] {
  return {
    id: 'u-1',
    username: 'alice',
    display_name: 'Alice',
    email: '',
    is_admin: false,
    is_active: true,
    language: '',
    locked: false,
    created_at: '2026-01-01T00:00:00Z',
    memberships: [],
    ...overrides,
  };
}

export const asReader = () => me({ memberships: [{ project_id: PROJECT_ID, project_name: 'default', role: 'read-only' }] });
export const asManager = () => me({ memberships: [{ project_id: PROJECT_ID, project_name: 'default', role: 'project-manager' }] });
export const asAdmin = () => me({ id: 'u-admin', username: 'admin', is_admin: true });

export const project: Schemas['ProjectOut'] = {
  id: PROJECT_ID,
  name: 'default',
  description: '',
  created_at: '2026-01-01T00:00:00Z',
  my_role: 'read-only',
};

export function credential(overrides: Partial<Schemas['CredentialOut']> = {}): Schemas['CredentialOut'] {
  return {
    id: 'c-1',
    project_id: PROJECT_ID,
    name: 'root-key',
    description: 'lab hosts',
    username: 'root',
    auth_type: 'password',
    has_password: true,
    has_private_key: false,
    has_passphrase: false,
    key_fingerprint: null,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

export function host(overrides: Partial<Schemas['HostOut']> = {}): Schemas['HostOut'] {
  return {
    id: 'h-1',
    project_id: PROJECT_ID,
    name: 'master-1',
    ip: '10.213.0.11',
    port: 22,
    credential_id: 'c-1',
    status: 'ready',
    status_message: 'Reachable; login and root work.',
    checked_at: '2026-01-02T00:00:00Z',
    become: 'root',
    host_key: { fingerprint: 'SHA256:recorded', pending_fingerprint: null },
    facts: {
      os: { id: 'debian', version_id: '12', name: 'Debian GNU/Linux 12 (bookworm)', family: 'debian', supported: true, unsupported_reason: null },
      kernel: '6.1.0-18-amd64',
      arch: 'x86_64',
      hostname: 'master-1',
      cpus: 4,
      memory_bytes: 8 * 1024 ** 3,
      memory_available_bytes: 6 * 1024 ** 3,
      swap_on: false,
      swap_bytes: 0,
      disks: [{ name: 'vda', size_bytes: 40 * 1024 ** 3 }],
      root_free_bytes: 20 * 1024 ** 3,
      var_free_bytes: 20 * 1024 ** 3,
      addresses: [{ interface: 'eth0', address: '10.213.0.11', prefix: 24, family: 'ipv4' }],
      ports_in_use: [],
      time_offset_ms: 3.2,
    },
    facts_at: '2026-01-02T00:00:00Z',
    cluster_id: null,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-02T00:00:00Z',
    ...overrides,
  };
}

export function region(overrides: Partial<Schemas['RegionOut']> = {}): Schemas['RegionOut'] {
  return {
    id: 'r-1',
    project_id: PROJECT_ID,
    name: 'dc1',
    description: '',
    provider: 'vsphere',
    endpoint: 'https://vcenter.example.com',
    datacenter: 'Datacenter',
    username: 'administrator@vsphere.local',
    has_password: true,
    project_name: null,
    domain_name: null,
    insecure_tls: false,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

export function ipPool(overrides: Partial<Schemas['IpPoolOut']> = {}): Schemas['IpPoolOut'] {
  return {
    id: 'pool-1',
    project_id: PROJECT_ID,
    name: 'pool-a',
    description: '',
    subnet: '192.0.2.0/24',
    gateway: '192.0.2.1',
    dns: ['192.0.2.53'],
    ranges: [
      { start: '192.0.2.10', end: '192.0.2.19' },
      { start: '192.0.2.100', end: '192.0.2.109' },
    ],
    size: 20,
    counts: { free: 17, allocated: 2, in_use: 1 },
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

export function zone(overrides: Partial<Schemas['ZoneOut']> = {}): Schemas['ZoneOut'] {
  return {
    id: 'z-1',
    project_id: PROJECT_ID,
    name: 'zone-a',
    description: '',
    region_id: 'r-1',
    provider: 'vsphere',
    ip_pool_id: 'pool-1',
    provider_settings: { cluster: 'Cluster1', datastore: 'ds1', template: 'debian-12', network: 'VM Network' },
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

export function plan(overrides: Partial<Schemas['PlanOut']> = {}): Schemas['PlanOut'] {
  return {
    id: 'pl-1',
    project_id: PROJECT_ID,
    name: 'prod-ha',
    description: '',
    region_id: 'r-1',
    provider: 'vsphere',
    topology: 'ha',
    master_count: 3,
    worker_count: 2,
    master_size: { cpus: 2, memory_gib: 4, disk_gib: 50 },
    worker_size: { cpus: 4, memory_gib: 8, disk_gib: 100 },
    zone_ids: ['z-1', 'z-2', 'z-3'],
    placement: { masters: ['z-1', 'z-2', 'z-3'], workers: ['z-1', 'z-2'] },
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

export function offlinePackage(overrides: Partial<Schemas['OfflinePackageOut']> = {}): Schemas['OfflinePackageOut'] {
  return {
    id: 'pkg-1',
    kubernetes_version: '1.36.0',
    arch: 'amd64',
    status: 'ready',
    error: null,
    source: '/srv/pkg.tar.gz',
    size: 3 * 1024 ** 2,
    artifact_count: 2,
    components: { containerd: '1.7.27' },
    url: 'http://127.0.0.1:8083/repository/packages/1.36.0-amd64',
    apt_source: null,
    imported_by: 'admin',
    created_at: '2026-01-01T00:00:00Z',
    imported_at: '2026-01-01T00:01:00Z',
    ...overrides,
  };
}
