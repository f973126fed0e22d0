import { afterEach, describe, expect, it, vi } from 'vitest';
import { clusterListKey, CLUSTER_PAGE_SIZE } from '../features/clusters/api';
import { fakeApi, page } from '../test/api';
import { asManager, PROJECT_ID, project } from '../test/fixtures';
import { meKey } from './auth';
import { boot } from './boot';
import indexHtml from '../../index.html?raw';
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

  it("takes index.html's early answers, and asks the API for what it lacks", async () => {
    const { calls } = fakeApi({
      'GET /api/v1/auth/me': { body: asManager() },
      'GET /api/v1/projects': { body: page([project]) },
      'GET /api/v1/clusters': { body: page([]) },
    });
    window.__koPrefetch = {
      '/api/v1/auth/me': Promise.resolve(null), // refused early: asked again
      '/api/v1/projects?limit=500': Promise.resolve(page([project])),
      [`/api/v1/clusters?project_id=${PROJECT_ID}&limit=${CLUSTER_PAGE_SIZE}&offset=0`]: Promise.resolve(page([])),
    };
    const client = createQueryClient();
    await boot(client, '/clusters');
    expect(calls.map((c) => c.path)).toEqual(['/api/v1/auth/me']);
    expect(client.getQueryData(meKey)).toMatchObject({ username: 'alice' });
    expect(client.getQueryData(clusterListKey(PROJECT_ID, 0, CLUSTER_PAGE_SIZE))).toMatchObject({ total: 0 });
    expect(window.__koPrefetch).toEqual({}); // used once: later fetches go to the API
    delete window.__koPrefetch;
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

  it("index.html's early requests are the URLs boot looks for (else they are silently wasted)", () => {
    expect(indexHtml).toContain("'/api/v1/auth/me'");
    expect(indexHtml).toContain("'/api/v1/projects?limit=500'");
    expect(indexHtml).toContain(`'&limit=${CLUSTER_PAGE_SIZE}&offset=0'`);
    expect(indexHtml).toContain("localStorage.getItem('ko.project')"); // selectedProjectStore's key
  });
});
