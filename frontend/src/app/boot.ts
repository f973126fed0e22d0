// What the first render needs, started before React renders: the user, the projects, the page's
// chunk and, on the clusters page, its first page of rows. Without this the console fetches them
// one after another (user → layout → projects and chunk → clusters), each waiting for a render.
// A visitor without a session gets 401s here, which only the pages act on (RequireAuth → login).
import type { QueryClient } from '@tanstack/react-query';
import { CLUSTER_PAGE_SIZE, clustersQuery } from '../features/clusters/api';
import { meQuery } from './auth';
import { pickProject, projectsQuery, selectedProjectStore } from './project';
import { preloadRoute } from './routes';

export function boot(client: QueryClient, pathname: string): void {
  preloadRoute(pathname);
  if (pathname === '/login') return;
  // Both are preloaded by index.html; the clusters page needs only the projects to ask for its rows.
  void client.query(meQuery).catch(() => null);
  void (async () => {
    // Errors are left to the pages' own queries, which show them.
    const projects = await client.query(projectsQuery).catch(() => null);
    const project = projects && pickProject(projects.items, selectedProjectStore.get());
    if (project && pathname === '/clusters') {
      await client.query(clustersQuery(project.id, 0, CLUSTER_PAGE_SIZE)).catch(() => undefined);
    }
  })();
}
