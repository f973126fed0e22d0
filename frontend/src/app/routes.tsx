import { use, type ComponentType } from 'react';
import { matchPath, type RouteObject } from 'react-router';
import { AppLayout } from './Layout';
import { RequireAdmin, RequireAuth } from './RequireAuth';

// Every page is its own chunk: the first load carries only the shell. The same loader serves
// the page and preloadRoute, so a chunk fetched early is the one the page renders from.
type Loader = () => Promise<{ default: ComponentType }>;
interface Page {
  path: string;
  load: Loader;
  admin?: boolean;
}

const pages: Page[] = [
  { path: '/', load: () => import('../features/overview/Overview') },
  { path: '/clusters', load: () => import('../features/clusters/List') },
  { path: '/clusters/new', load: () => import('../features/clusters/create/Wizard') },
  { path: '/clusters/:clusterId', load: () => import('../features/clusters/Detail') },
  { path: '/clusters/:clusterId/operations/:operationId', load: () => import('../features/clusters/operations/DeployView') },
  { path: '/events', load: () => import('../features/kubeevents/Events') },
  { path: '/inventory/credentials', load: () => import('../features/credentials/List') },
  { path: '/inventory/hosts', load: () => import('../features/hosts/List') },
  { path: '/inventory/regions', load: () => import('../features/regions/List') },
  { path: '/inventory/zones', load: () => import('../features/zones/List') },
  { path: '/inventory/plans', load: () => import('../features/plans/List') },
  { path: '/inventory/ip-pools', load: () => import('../features/ippools/List') },
  { path: '/inventory/workspaces', load: () => import('../features/workspaces/List') },
  { path: '/alerts', load: () => import('../features/alerts/AlertsPage') },
  { path: '/project/notification-channels', load: () => import('../features/notifications/List') },
  { path: '/admin/offline-packages', load: () => import('../features/packages/List') },
  { path: '/admin/users', load: () => import('../features/users/List'), admin: true },
  { path: '/admin/projects', load: () => import('../features/projects/List') },
  { path: '/admin/projects/:projectId/members', load: () => import('../features/projects/Members') },
  { path: '/admin/tokens', load: () => import('../features/tokens/List') },
  { path: '/admin/audit', load: () => import('../features/audit/List'), admin: true },
  { path: '/admin/backup-accounts', load: () => import('../features/backupaccounts/List'), admin: true },
];
const loadLogin: Loader = () => import('../features/login/Login');
const loadNotFound: Loader = () => import('./NotFound');

type Module = Awaited<ReturnType<Loader>>;
const loading = new Map<Loader, Promise<Module>>();
const loaded = new Map<Loader, Module>();
function load(loader: Loader): Promise<Module> {
  let promise = loading.get(loader);
  if (!promise) {
    promise = loader().then((module) => {
      loaded.set(loader, module);
      return module;
    });
    loading.set(loader, promise);
    // A failed load is tried again on the next render (the error boundary shows it meanwhile).
    promise.catch(() => loading.delete(loader));
  }
  return promise;
}

// Like React.lazy, except that a chunk already loaded (boot.ts preloads the current page's)
// renders at once: React.lazy suspends on it anyway, and React then holds the content back for
// its fallback throttle (~300 ms) after showing the spinner.
const components = new Map<Loader, ComponentType>();
function page(loader: Loader) {
  let component = components.get(loader);
  if (!component) {
    component = function LazyPage() {
      const { default: Page } = loaded.get(loader) ?? use(load(loader));
      return <Page />;
    };
    components.set(loader, component);
  }
  const Component = component;
  return <Component />;
}

/** Starts fetching the chunk of the page at `pathname` (called before the first render); settles when it has. */
export function preloadRoute(pathname: string): Promise<void> {
  const found = pathname === '/login' ? loadLogin : pages.find((p) => matchPath(p.path, pathname))?.load;
  return found ? load(found).then(() => undefined, () => undefined) : Promise.resolve();
}

export const routes: RouteObject[] = [
  { path: '/login', element: page(loadLogin) },
  {
    element: (
      <RequireAuth>
        <AppLayout />
      </RequireAuth>
    ),
    children: [
      ...pages.map((p): RouteObject =>
        p.path === '/'
          ? { index: true, element: page(p.load) }
          : { path: p.path.slice(1), element: p.admin ? <RequireAdmin>{page(p.load)}</RequireAdmin> : page(p.load) },
      ),
      { path: '*', element: page(loadNotFound) },
    ],
  },
];
