// Vite plugin: the page's own chunks start loading with the entry, not after it.
//
// Every page is a lazy chunk (src/app/routes.tsx). Without this, the browser learns of the
// current page's chunk only once the entry script has been fetched and evaluated (~0.5 s on a
// 2-core machine), and fetches it then. At build time this plugin writes `route-chunks.json`: for
// each page path (as an anchored regular expression), the chunk files it needs beyond what the
// entry already preloads. The gateway, serving index.html for a path, puts <link rel="modulepreload">
// tags for that path's page at the placeholder comment in index.html's head
// (services/ko_gateway/console.py), so the browser's preload scanner fetches them with the entry and
// no script runs for it. The paths and their pages are read from routes.tsx
// (`{ path: '…', load: () => import('…') }` and `loadLogin`); the build fails when a page's chunk
// cannot be found.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Plugin } from 'vite';

export interface PageRoute {
  path: string;
  /** Absolute module path of the page, without extension. */
  module: string;
}

/** The pages declared in routes.tsx, in their order there (the first match wins, as in preloadRoute). */
export function parseRoutes(source: string, routesFile: string): PageRoute[] {
  const dir = dirname(routesFile);
  const out: PageRoute[] = [];
  for (const m of source.matchAll(/\{\s*path:\s*'([^']+)',\s*load:\s*\(\)\s*=>\s*import\('([^']+)'\)/g)) {
    out.push({ path: m[1], module: resolve(dir, m[2]) });
  }
  const login = /loadLogin:\s*Loader\s*=\s*\(\)\s*=>\s*import\('([^']+)'\)/.exec(source);
  if (login) out.unshift({ path: '/login', module: resolve(dir, login[1]) });
  return out;
}

/** A react-router path as an anchored regular expression (`:param` is one segment, trailing slash optional). */
export function pathPattern(path: string): string {
  const body = path
    .replace(/\/$/, '')
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return `^${body}/?$`;
}

export interface ChunkInfo {
  fileName: string;
  imports: string[];
  isEntry: boolean;
  facadeModuleId: string | null;
}

/** Files a chunk needs (itself and its static imports, transitively), minus `skip`. */
export function chunkFiles(chunks: Map<string, ChunkInfo>, start: string, skip: Set<string>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    if (!skip.has(name)) out.push(name);
    for (const dep of chunks.get(name)?.imports ?? []) visit(dep);
  };
  visit(start);
  return out;
}

const stripExt = (id: string) => id.replace(/\.[cm]?[jt]sx?$/, '');

/** [pattern, files][] for every page, files as URLs under `base`. */
export function routeChunks(routes: PageRoute[], chunks: Map<string, ChunkInfo>, base: string): [string, string[]][] {
  const entry = [...chunks.values()].find((c) => c.isEntry);
  if (!entry) throw new Error('route-preload: the build has no entry chunk');
  const skip = new Set(chunkFiles(chunks, entry.fileName, new Set()));
  const byModule = new Map<string, ChunkInfo>();
  for (const c of chunks.values()) if (c.facadeModuleId) byModule.set(stripExt(c.facadeModuleId), c);
  return routes.map((route) => {
    const chunk = byModule.get(route.module);
    if (!chunk) throw new Error(`route-preload: no chunk for the page of ${route.path} (${route.module})`);
    return [pathPattern(route.path), chunkFiles(chunks, chunk.fileName, skip).map((f) => base + f)];
  });
}

/** Where index.html wants the page's links (a comment: the dev server and a browser ignore it). */
export const PLACEHOLDER = '<!-- ko:route-preload -->';
export const TABLE_FILE = 'route-chunks.json';

export function routePreload(routesFile: string): Plugin {
  let base = '/';
  return {
    name: 'ko-route-preload',
    apply: 'build',
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        if (!html.includes(PLACEHOLDER)) throw new Error(`route-preload: index.html lacks ${PLACEHOLDER}`);
        return html;
      },
    },
    generateBundle(_options, bundle) {
      const chunks = new Map<string, ChunkInfo>();
      for (const item of Object.values(bundle)) {
        if (item.type === 'chunk') {
          chunks.set(item.fileName, {
            fileName: item.fileName,
            imports: item.imports,
            isEntry: item.isEntry,
            facadeModuleId: item.facadeModuleId,
          });
        }
      }
      const routes = parseRoutes(readFileSync(routesFile, 'utf8'), routesFile);
      if (routes.length < 2) throw new Error(`route-preload: found no pages in ${routesFile}`);
      const table = { placeholder: PLACEHOLDER, routes: routeChunks(routes, chunks, base) };
      this.emitFile({ type: 'asset', fileName: TABLE_FILE, source: `${JSON.stringify(table, null, 1)}\n` });
    },
  };
}
