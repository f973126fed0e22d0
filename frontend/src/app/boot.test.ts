import { afterEach, describe, expect, it, vi } from 'vitest';
import { clusterListKey, CLUSTER_PAGE_SIZE } from '../features/clusters/api';
import { fakeApi, page } from '../test/api';
import { asManager, PROJECT_ID, project } from '../test/fixtures';
import { meKey } from './auth';
import { boot } from './boot';
import { createQueryClient } from './queryClient';

afterEach(() => vi.unstubAllGlobals());

describe('boot', () => {
  it('asks for the user, the projects and the first page of clusters before the first render', async () => {
    const { calls } = fakeApi({
      'GET /api/v1/auth/me': { body: asManager() },
      'GET /api/v1/projects': { body: page([{ ...project, name: 'other', id: 'p-other' }, project]) },
      'GET /api/v1/clusters': { body: page([]) },
    });
    const client = createQueryClient();
    await boot(client, '/clusters');
    expect(client.getQueryData(clusterListKey(PROJECT_ID, 0, CLUSTER_PAGE_SIZE))).toBeDefined();
    expect(client.getQueryData(meKey)).toMatchObject({ username: 'alice' });
    // The project the header will show (the one named default), the list's first page.
    const clusters = calls.find((c) => c.path === '/api/v1/clusters');
    expect(clusters?.search.get('project_id')).toBe(PROJECT_ID);
    expect(clusters?.search.get('limit')).toBe(String(CLUSTER_PAGE_SIZE));
    expect(calls.find((c) => c.path === '/api/v1/projects')?.search.get('limit')).toBe('500'); // index.html preloads this URL
  });

  it('leaves a visitor without a session to the login page and asks nothing on /login', async () => {
    const { calls } = fakeApi({
      'GET /api/v1/auth/me': { status: 401, body: { error: 'unauthenticated', detail: 'Log in.' } },
      'GET /api/v1/projects': { status: 401, body: { error: 'unauthenticated', detail: 'Log in.' } },
    });
    const client = createQueryClient();
    await boot(client, '/clusters'); // settles (never rejects) when the session is missing
    expect(client.getQueryData(meKey)).toBeNull();
    expect(calls.map((c) => c.path)).toContain('/api/v1/projects');
    expect(calls.map((c) => c.path)).not.toContain('/api/v1/clusters');

    const login = fakeApi({});
    await boot(createQueryClient(), '/login');
    expect(login.calls).toEqual([]);
  });
});
