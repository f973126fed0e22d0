// A fake gateway for component tests: routes "METHOD /path" to JSON answers and records every request.
import { vi } from 'vitest';

export interface Recorded {
  method: string;
  path: string;
  search: URLSearchParams;
  headers: Headers;
  body: unknown;
}

type Answer = { status?: number; body?: unknown } | ((req: Recorded) => { status?: number; body?: unknown });

// JSON bodies are parsed; anything else (a CSV or YAML upload) is recorded as its text.
function parseBody(text: string, contentType: string | null): unknown {
  return contentType?.includes('json') ? (JSON.parse(text) as unknown) : text;
}

export function fakeApi(routes: Record<string, Answer>) {
  const calls: Recorded[] = [];
  const fetch = vi.fn(async (input: Request) => {
    const url = new URL(input.url);
    const text = input.method === 'GET' ? '' : await input.text();
    const req: Recorded = {
      method: input.method,
      path: url.pathname,
      search: url.searchParams,
      headers: input.headers,
      body: text ? parseBody(text, input.headers.get('content-type')) : undefined,
    };
    calls.push(req);
    const route = routes[`${req.method} ${req.path}`];
    if (!route) return Response.json({ error: 'not_found', detail: `No fake for ${req.method} ${req.path}.` }, { status: 404 });
    const { status = 200, body } = typeof route === 'function' ? route(req) : route;
    return status === 204 ? new Response(null, { status }) : Response.json(body ?? {}, { status });
  });
  vi.stubGlobal('fetch', fetch);
  return { calls, fetch };
}

export const page = <T,>(items: T[]) => ({ items, total: items.length, limit: 50, offset: 0 });
