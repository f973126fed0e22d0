import { Spin } from 'antd';
import { Suspense, lazy, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useMe } from './auth';
import { QueryError } from './QueryError';

const AdminOnly = lazy(() => import('./AdminOnly'));

/** Sends visitors without a session to the login page, keeping where they were going. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Spin fullscreen />;
  if (me.isError) return <div style={{ padding: 48 }}><QueryError error={me.error} /></div>;
  if (!me.data) {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return children;
}

/** Pages only admins may see; the API refuses the calls anyway. */
export function RequireAdmin({ children }: { children: ReactNode }) {
  const me = useMe().data;
  if (!me?.is_admin) {
    return (
      <Suspense fallback={<Spin style={{ display: 'block', marginTop: 64 }} />}>
        <AdminOnly />
      </Suspense>
    );
  }
  return children;
}
