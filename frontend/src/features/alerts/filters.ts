// The alerts page's tab and filters live in the URL query, so a copied link (or the cluster page's
// alerts badge, ?cluster_id=…) shows the same view.
import { useSearchParams } from 'react-router';
import type { AlertStatus } from './api';

export const TABS = ['firing', 'history', 'silences', 'routes'] as const;
export type Tab = (typeof TABS)[number];
/** The project filter's value for every project the caller may read. */
export const ALL_PROJECTS = 'all';

export interface AlertFilters {
  tab: Tab;
  /** A project id, ALL_PROJECTS, or absent: the project chosen in the header. */
  project?: string;
  cluster_id?: string;
  rule?: string;
  /** History only: the Firing tab shows firing alerts. */
  status?: AlertStatus;
  page: number;
}
export const FILTER_NAMES = ['project', 'cluster_id', 'rule', 'status'] as const;

export function readFilters(params: URLSearchParams): AlertFilters {
  const text = (name: string) => params.get(name)?.trim() || undefined;
  const tab = params.get('tab');
  const status = params.get('status');
  const page = Number(params.get('page'));
  return {
    tab: (TABS as readonly string[]).includes(tab ?? '') ? (tab as Tab) : 'firing',
    project: text('project'),
    cluster_id: text('cluster_id'),
    rule: text('rule'),
    status: status === 'firing' || status === 'resolved' ? status : undefined,
    page: Number.isInteger(page) && page > 1 ? page : 1,
  };
}

/** The filters and a setter; any change but the page's goes back to the first page. Other parameters stay. */
export function useAlertFilters(): [AlertFilters, (change: Partial<AlertFilters>) => void] {
  const [params, setParams] = useSearchParams();
  const set = (change: Partial<AlertFilters>) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        for (const [name, value] of Object.entries(change)) {
          const text = value === undefined ? '' : String(value).trim();
          const isDefault = (name === 'page' && text === '1') || (name === 'tab' && text === 'firing');
          if (text && !isDefault) next.set(name, text);
          else next.delete(name);
        }
        if (!('page' in change)) next.delete('page');
        return next;
      },
      { replace: true },
    );
  return [readFilters(params), set];
}
