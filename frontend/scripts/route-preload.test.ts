// @vitest-environment node
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matchPath } from 'react-router';
import { chunkFiles, parseRoutes, pathPattern, routeChunks, type ChunkInfo } from './route-preload';

const ROUTES = resolve(__dirname, '../src/app/routes.tsx');

describe('route-preload', () => {
  it('reads every page of routes.tsx, login first, in their order', () => {
    const source = readFileSync(ROUTES, 'utf8');
    const routes = parseRoutes(source, ROUTES);
    const imports = [...source.matchAll(/import\('\.\.\/features\//g)].length;
    expect(routes.length).toBe(imports); // every page chunk but NotFound's (not a feature)
    expect(routes[0]).toEqual({ path: '/login', module: resolve(__dirname, '../src/features/login/Login') });
    expect(routes.find((r) => r.path === '/clusters')?.module).toBe(resolve(__dirname, '../src/features/clusters/List'));
    expect(routes.findIndex((r) => r.path === '/clusters/new')).toBeLessThan(routes.findIndex((r) => r.path === '/clusters/:clusterId'));
  });

  it('matches paths as react-router does', () => {
    const cases: [string, string][] = [
      ['/', '/'],
      ['/clusters', '/clusters'],
      ['/clusters', '/clusters/'],
      ['/clusters/:clusterId', '/clusters/abc'],
      ['/clusters/:clusterId/operations/:operationId', '/clusters/a/operations/b'],
      ['/clusters/:clusterId', '/clusters/a/operations/b'],
      ['/clusters', '/clustersx'],
      ['/', '/clusters'],
    ];
    for (const [pattern, path] of cases) {
      expect(new RegExp(pathPattern(pattern)).test(path), `${pattern} ~ ${path}`).toBe(matchPath(pattern, path) !== null);
    }
  });

  it("lists a page's chunks beyond the entry's, and fails on a page without a chunk", () => {
    const chunk = (fileName: string, imports: string[], facadeModuleId: string | null = null, isEntry = false): ChunkInfo => ({
      fileName,
      imports,
      facadeModuleId,
      isEntry,
    });
    const chunks = new Map(
      [
        chunk('assets/index.js', ['assets/react.js'], '/src/main.tsx', true),
        chunk('assets/react.js', []),
        chunk('assets/List.js', ['assets/table.js', 'assets/react.js'], '/src/features/clusters/List.tsx'),
        chunk('assets/table.js', ['assets/react.js', 'assets/List.js']),
      ].map((c) => [c.fileName, c]),
    );
    expect(chunkFiles(chunks, 'assets/List.js', new Set())).toEqual(['assets/List.js', 'assets/table.js', 'assets/react.js']);
    const table = routeChunks([{ path: '/clusters', module: '/src/features/clusters/List' }], chunks, '/');
    expect(table).toEqual([['^/clusters/?$', ['/assets/List.js', '/assets/table.js']]]);
    expect(() => routeChunks([{ path: '/x', module: '/src/features/x/X' }], chunks, '/')).toThrow(/no chunk for the page of \/x/);
  });
});
