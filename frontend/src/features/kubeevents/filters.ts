// The events list's filters live in the URL query, so a copied link shows the same view.
import { useSearchParams } from 'react-router';
import { EVENT_TYPES, type EventType } from './api';

export interface EventFilters {
  cluster?: string;
  namespace?: string;
  kind?: string;
  reason?: string;
  type?: EventType;
  q?: string;
  page: number;
}
export type FilterName = Exclude<keyof EventFilters, 'page'>;
export const FILTER_NAMES: readonly FilterName[] = ['cluster', 'namespace', 'kind', 'reason', 'type', 'q'];

export function readFilters(params: URLSearchParams): EventFilters {
  const text = (name: string) => params.get(name)?.trim() || undefined;
  const type = params.get('type');
  const page = Number(params.get('page'));
  return {
    cluster: text('cluster'),
    namespace: text('namespace'),
    kind: text('kind'),
    reason: text('reason'),
    type: (EVENT_TYPES as readonly string[]).includes(type ?? '') ? (type as EventType) : undefined,
    q: text('q'),
    page: Number.isInteger(page) && page > 1 ? page : 1,
  };
}

/** The filters and a setter; changing a filter goes back to the first page. Other query parameters stay. */
export function useEventFilters(): [EventFilters, (change: Partial<EventFilters>) => void] {
  const [params, setParams] = useSearchParams();
  const set = (change: Partial<EventFilters>) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        for (const [name, value] of Object.entries(change)) {
          const text = value === undefined ? '' : String(value).trim();
          if (text && !(name === 'page' && text === '1')) next.set(name, text);
          else next.delete(name);
        }
        if (!('page' in change)) next.delete('page');
        return next;
      },
      { replace: true },
    );
  return [readFilters(params), set];
}
