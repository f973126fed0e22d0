// Live events of regions, zones, plans and IP pools → their caches. Events carry a summary, not the
// whole resource: a deletion is applied in place at once, everything else refetches (one per burst).
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { on, type LiveHandler } from '../../live/events';

export const regionsKey = ['regions'] as const;
export const zonesKey = ['zones'] as const;
export const plansKey = ['plans'] as const;
export const ipPoolsKey = ['ip-pools'] as const;
export const cloudKeys: QueryKey[] = [regionsKey, zonesKey, plansKey, ipPoolsKey];

const BATCH_MS = 300;
const pending = new WeakMap<QueryClient, Map<string, ReturnType<typeof setTimeout>>>();

function refetchSoon(queryClient: QueryClient, queryKey: QueryKey): void {
  const timers = pending.get(queryClient) ?? new Map<string, ReturnType<typeof setTimeout>>();
  pending.set(queryClient, timers);
  const id = JSON.stringify(queryKey);
  if (timers.has(id)) return;
  timers.set(
    id,
    setTimeout(() => {
      timers.delete(id);
      void queryClient.invalidateQueries({ queryKey });
    }, BATCH_MS),
  );
}

interface Page {
  items: { id: string }[];
  total: number;
}

function removeFromLists(queryClient: QueryClient, queryKey: QueryKey, id: string): void {
  queryClient.setQueriesData<Page>({ queryKey: [...queryKey, 'list'] }, (page) => {
    if (!page || !page.items.some((item) => item.id === id)) return page;
    return { ...page, items: page.items.filter((item) => item.id !== id), total: Math.max(0, page.total - 1) };
  });
  queryClient.removeQueries({ queryKey: [...queryKey, 'detail', id] });
}

type Kind = 'region' | 'zone' | 'plan' | 'ippool';
// Each kind's three types, checked against the contract: `kubeoperator.inventory.<kind>.<verb>.v1`.
type Crud<K extends Kind, Verb extends string> = `kubeoperator.inventory.${K}.${Verb}.v1`;

function handlers<K extends Kind>(kind: K, queryKey: QueryKey, alsoRefetch: QueryKey[] = []) {
  const type = <Verb extends 'created' | 'updated' | 'deleted'>(verb: Verb) => `kubeoperator.inventory.${kind}.${verb}.v1` as const;
  const changed: LiveHandler<Crud<K, 'created' | 'updated'>> = (queryClient) => {
    refetchSoon(queryClient, queryKey);
    alsoRefetch.forEach((key) => refetchSoon(queryClient, key));
  };
  const deleted: LiveHandler<Crud<K, 'deleted'>> = (queryClient, event) => {
    removeFromLists(queryClient, queryKey, event.data.id ?? event.subject ?? '');
    void queryClient.invalidateQueries({ queryKey, refetchType: 'none' });
    alsoRefetch.forEach((key) => refetchSoon(queryClient, key));
  };
  return { ...on([type('created'), type('updated')], changed), ...on([type('deleted')], deleted) };
}

export const cloudHandlers = {
  ...handlers('region', regionsKey),
  // A zone's name shows in the plans' placement; a zone holds its pool.
  ...handlers('zone', zonesKey, [plansKey]),
  ...handlers('plan', plansKey),
  ...handlers('ippool', ipPoolsKey),
  ...on(['kubeoperator.inventory.ippool.allocated.v1', 'kubeoperator.inventory.ippool.released.v1'], (queryClient) =>
    refetchSoon(queryClient, ipPoolsKey),
  ),
};
