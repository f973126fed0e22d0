import { Result, Spin } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation } from 'react-router';
import { useMe } from './auth';
import { QueryError } from './QueryError';

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
  const { t } = useTranslation();
  const me = useMe().data;
  if (!me?.is_admin) return <Result status="403" title={t('errors.adminOnlyTitle')} subTitle={t('errors.adminOnly')} />;
  return children;
}
