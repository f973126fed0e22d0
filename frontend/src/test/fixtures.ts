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
