import type { Me } from './auth';

export type Role = 'admin' | 'project-manager' | 'read-only';

/** The caller's role in a project; admins are admin everywhere. Mirrors the gateway, which enforces it anyway. */
export function roleIn(me: Me | null | undefined, projectId: string | null | undefined): Role | null {
  if (!me) return null;
  if (me.is_admin) return 'admin';
  if (!projectId) return null;
  return me.memberships.find((m) => m.project_id === projectId)?.role ?? null;
}

export function canWrite(me: Me | null | undefined, projectId: string | null | undefined): boolean {
  const role = roleIn(me, projectId);
  return role === 'admin' || role === 'project-manager';
}

export function isAdmin(me: Me | null | undefined): boolean {
  return !!me?.is_admin;
}
