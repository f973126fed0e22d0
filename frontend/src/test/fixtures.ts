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
