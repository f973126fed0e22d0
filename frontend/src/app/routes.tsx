import { lazy } from 'react';
import type { RouteObject } from 'react-router';
import { AppLayout } from './Layout';
import { RequireAdmin, RequireAuth } from './RequireAuth';

// Every page is its own chunk: the first load carries only the shell.
const Login = lazy(() => import('../features/login/Login'));
const Overview = lazy(() => import('../features/overview/Overview'));
const CredentialList = lazy(() => import('../features/credentials/List'));
const HostList = lazy(() => import('../features/hosts/List'));
const UserList = lazy(() => import('../features/users/List'));
const ProjectList = lazy(() => import('../features/projects/List'));
const Members = lazy(() => import('../features/projects/Members'));
const TokenList = lazy(() => import('../features/tokens/List'));
const AuditLog = lazy(() => import('../features/audit/List'));
const NotFound = lazy(() => import('./NotFound'));

export const routes: RouteObject[] = [
  { path: '/login', element: <Login /> },
  {
    element: (
      <RequireAuth>
        <AppLayout />
      </RequireAuth>
    ),
    children: [
      { index: true, element: <Overview /> },
      { path: 'inventory/credentials', element: <CredentialList /> },
      { path: 'inventory/hosts', element: <HostList /> },
      { path: 'admin/users', element: <RequireAdmin><UserList /></RequireAdmin> },
      { path: 'admin/projects', element: <ProjectList /> },
      { path: 'admin/projects/:projectId/members', element: <Members /> },
      { path: 'admin/tokens', element: <TokenList /> },
      { path: 'admin/audit', element: <RequireAdmin><AuditLog /></RequireAdmin> },
      { path: '*', element: <NotFound /> },
    ],
  },
];
