import { lazy } from 'react';
import type { RouteObject } from 'react-router';
import { AppLayout } from './Layout';
import { RequireAdmin, RequireAuth } from './RequireAuth';

// Every page is its own chunk: the first load carries only the shell.
const Login = lazy(() => import('../features/login/Login'));
const Overview = lazy(() => import('../features/overview/Overview'));
const CredentialList = lazy(() => import('../features/credentials/List'));
const HostList = lazy(() => import('../features/hosts/List'));
const RegionList = lazy(() => import('../features/regions/List'));
const ZoneList = lazy(() => import('../features/zones/List'));
const PlanList = lazy(() => import('../features/plans/List'));
const IpPoolList = lazy(() => import('../features/ippools/List'));
const PackageList = lazy(() => import('../features/packages/List'));
const ClusterList = lazy(() => import('../features/clusters/List'));
const ClusterWizard = lazy(() => import('../features/clusters/create/Wizard'));
const ClusterDetail = lazy(() => import('../features/clusters/Detail'));
const DeployView = lazy(() => import('../features/clusters/operations/DeployView'));
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
      { path: 'clusters', element: <ClusterList /> },
      { path: 'clusters/new', element: <ClusterWizard /> },
      { path: 'clusters/:clusterId', element: <ClusterDetail /> },
      { path: 'clusters/:clusterId/operations/:operationId', element: <DeployView /> },
      { path: 'inventory/credentials', element: <CredentialList /> },
      { path: 'inventory/hosts', element: <HostList /> },
      { path: 'inventory/regions', element: <RegionList /> },
      { path: 'inventory/zones', element: <ZoneList /> },
      { path: 'inventory/plans', element: <PlanList /> },
      { path: 'inventory/ip-pools', element: <IpPoolList /> },
      { path: 'admin/offline-packages', element: <PackageList /> },
      { path: 'admin/users', element: <RequireAdmin><UserList /></RequireAdmin> },
      { path: 'admin/projects', element: <ProjectList /> },
      { path: 'admin/projects/:projectId/members', element: <Members /> },
      { path: 'admin/tokens', element: <TokenList /> },
      { path: 'admin/audit', element: <RequireAdmin><AuditLog /></RequireAdmin> },
      { path: '*', element: <NotFound /> },
    ],
  },
];
